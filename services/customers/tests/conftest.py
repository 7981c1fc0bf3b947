"""Customers tests run against the real identity service (HTTP for sign-up, users and
roles; its real gRPC server for grants and visible owners), each on its own test database."""

import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from crm_customers.customers.rpc import registrations as customer_registrations
from crm_customers.definition import DEFINITION, routers
from crm_customers.streams import STREAMS
from crm_identity.testing import (  # noqa: F401 - fixtures
    identity_client,
    identity_consumer,
    identity_db,
    identity_grpc,
    verifier,
)
from crmkit.auth import TokenVerifier
from crmkit.db import Database
from crmkit.events.consumer import EventConsumer
from crmkit.grpc import GrpcServer, build_server
from crmkit.http import create_app
from crmkit.migrations import MigrationStreams
from crmkit.service import make_consumer
from crmkit.settings import Settings

sys.path.insert(0, str(Path(__file__).parent))

from customers_testkit import World  # noqa: E402


@pytest.fixture(scope="session")
def customers_db(make_database: Callable[[str, MigrationStreams], Database]) -> Database:
    return make_database("customers-service", STREAMS)


@pytest.fixture(scope="session")
def customers_grpc(
    customers_db: Database, verifier: TokenVerifier, identity_grpc: GrpcServer
) -> Iterator[GrpcServer]:
    server = build_server(customer_registrations(customers_db), port=0, verifier=verifier)
    server.start()
    yield server
    server.stop(grace_seconds=0)


@pytest.fixture(scope="session")
def customers_client(
    customers_db: Database,
    verifier: TokenVerifier,
    identity_grpc: GrpcServer,
) -> Iterator[TestClient]:
    app = create_app(title="CRM customers", verifier=verifier, routers=routers(), db=customers_db)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


@pytest.fixture(scope="session")
def customers_consumer(customers_db: Database, crm_settings: Settings) -> EventConsumer:
    return make_consumer(DEFINITION, customers_db, crm_settings)


@pytest.fixture
def world(
    identity_client: TestClient,
    identity_consumer: EventConsumer,
    customers_client: TestClient,
    customers_db: Database,
    identity_db: Database,
    customers_consumer: EventConsumer,
) -> World:
    return World(
        identity_client,
        identity_consumer,
        customers_client,
        customers_db,
        identity_db,
        customers_consumer,
    )


@pytest.fixture
def acme(world: World):  # type: ignore[no-untyped-def]
    return world.sign_up("acme")


@pytest.fixture
def globex(world: World):  # type: ignore[no-untyped-def]
    return world.sign_up("globex")
