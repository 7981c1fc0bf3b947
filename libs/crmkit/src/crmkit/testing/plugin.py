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
    built: list[Database] = []

    def make(name: str, streams: MigrationStreams) -> Database:
        db = build_test_database(crm_settings, name, streams)
        built.append(db)
        return db

    yield make
    for db in built:
        db.dispose()


@pytest.fixture(scope="session")
def signer() -> TestSigner:
    return TestSigner()
