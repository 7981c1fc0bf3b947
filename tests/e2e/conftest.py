from collections.abc import Iterator

import pytest

from crmkit.settings import Settings
from crmkit.testing.stack import Stack, start_stack


@pytest.fixture(scope="session")
def stack(crm_settings: Settings) -> Iterator[Stack]:
    running = start_stack(crm_settings, name="e2e", offset=2000)
    yield running
    running.stop()
