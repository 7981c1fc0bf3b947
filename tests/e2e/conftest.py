from collections.abc import Iterator

import pytest

from crmkit.settings import Settings

from .stack import Stack, start_stack


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """All end-to-end tests share one stack, so they run on one xdist worker."""
    for item in items:
        if "/tests/e2e/" in str(item.path):
            item.add_marker(pytest.mark.xdist_group("e2e"))


@pytest.fixture(scope="session")
def stack(crm_settings: Settings) -> Iterator[Stack]:
    running = start_stack(crm_settings)
    yield running
    running.stop()
