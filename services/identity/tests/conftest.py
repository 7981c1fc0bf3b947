import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from crm_identity.definition import DEFINITION, routers
from crm_identity.keys.verifier import make_identity_verifier
from crm_identity.streams import STREAMS
from crmkit.db import Database
from crmkit.events.consumer import EventConsumer
from crmkit.http import create_app
from crmkit.migrations import MigrationStreams
from crmkit.service import make_consumer
from crmkit.settings import Settings

sys.path.insert(0, str(Path(__file__).parent))

from identity_testkit import Org  # noqa: E402


@pytest.fixture(scope="session")
def db(make_database: Callable[[str, MigrationStreams], Database]) -> Database:
    # Its own database name: tests/platform rebuilds `test_identity_*` in the same run.
    return make_database("identity-service", STREAMS)


@pytest.fixture(scope="session")
def client(db: Database, crm_settings: Settings) -> Iterator[TestClient]:
    app = create_app(
        title="CRM identity",
        verifier=make_identity_verifier(db, crm_settings),
        routers=routers(),
        db=db,
    )
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


@pytest.fixture(scope="session")
def consumer(db: Database, crm_settings: Settings) -> EventConsumer:
    return make_consumer(DEFINITION, db, crm_settings)


@pytest.fixture
def acme(client: TestClient, consumer: EventConsumer) -> Org:
    return Org.sign_up(client, consumer, "acme")


@pytest.fixture
def globex(client: TestClient, consumer: EventConsumer) -> Org:
    return Org.sign_up(client, consumer, "globex")
