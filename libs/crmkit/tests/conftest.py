import uuid
from collections.abc import Callable

import pytest

from crmkit.db import Database
from crmkit.migrations import MigrationStreams
from crmkit.testing.databases import new_tenant

from .sample.models import STREAMS


@pytest.fixture(scope="session")
def db(make_database: Callable[[str, MigrationStreams], Database]) -> Database:
    return make_database("crmkit", STREAMS)


@pytest.fixture
def tenant_a(db: Database) -> uuid.UUID:
    return new_tenant(db, STREAMS)


@pytest.fixture
def tenant_b(db: Database) -> uuid.UUID:
    return new_tenant(db, STREAMS)
