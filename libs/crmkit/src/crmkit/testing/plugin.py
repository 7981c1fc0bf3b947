"""pytest plugin loaded by every test run in the workspace (see the root pyproject).

Fixtures here build real databases; each part's conftest names its migration streams:

    @pytest.fixture(scope="session")
    def db(make_database):
        return make_database("customers", STREAMS)
"""

from collections.abc import Callable, Iterator

import pytest

from crmkit.db import Database
from crmkit.migrations import MigrationStreams
from crmkit.settings import Settings
from crmkit.testing.databases import build_test_database
from crmkit.testing.tokens import TestSigner


@pytest.fixture(scope="session")
def crm_settings() -> Settings:
    return Settings()


@pytest.fixture(scope="session")
def make_database(
    crm_settings: Settings,
) -> Iterator[Callable[[str, MigrationStreams], Database]]:
    built: dict[str, Database] = {}

    def make(name: str, streams: MigrationStreams) -> Database:
        # Built once per session: several parts' conftests may ask for the same database
        # (e.g. a real identity behind customers and files tests); building it again would
        # drop it under the tests already using it.
        if name not in built:
            built[name] = build_test_database(crm_settings, name, streams)
        return built[name]

    yield make
    for db in built.values():
        db.dispose()


@pytest.fixture(scope="session")
def signer() -> TestSigner:
    return TestSigner()
