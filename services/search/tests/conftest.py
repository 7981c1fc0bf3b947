"""Search tests run against real OpenSearch (indices under a prefix unique to the run,
deleted at the end), the real identity service (HTTP and gRPC) and the real customers
service, whose events are handed to the search consumer as RabbitMQ would."""

import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from opensearchpy import OpenSearch

from crm_customers.customers.rpc import registrations as customer_registrations
from crm_customers.definition import DEFINITION as CUSTOMERS
from crm_customers.definition import routers as customer_routers
from crm_customers.streams import STREAMS
from crm_identity.definition import DEFINITION as IDENTITY
from crm_identity.testing import (  # noqa: F401 - fixtures
    identity_client,
    identity_consumer,
    identity_db,
    identity_grpc,
    verifier,
)
from crm_search.definition import DEFINITION as SEARCH
from crm_search.definition import routers as search_routers
from crm_search.indexing import store
from crm_search.settings import get_search_settings
from crmkit.auth import TokenVerifier
from crmkit.db import Database
from crmkit.events.consumer import EventConsumer
from crmkit.grpc import GrpcServer, build_server
from crmkit.http import create_app
from crmkit.migrations import MigrationStreams
from crmkit.service import make_consumer
from crmkit.settings import Settings

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parents[2] / "customers" / "tests"))

from search_testkit import SearchWorld  # noqa: E402


@pytest.fixture(scope="session")
def index_prefix() -> Iterator[str]:
    prefix = f"test-{uuid.uuid4().hex[:10]}"
    mp = pytest.MonkeyPatch()
    mp.setenv("CRM_SEARCH_INDEX_PREFIX", prefix)
    get_search_settings.cache_clear()
    yield prefix
    store.opensearch_client().indices.delete(index=f"{prefix}-*", ignore_unavailable=True)
    mp.undo()
    get_search_settings.cache_clear()


@pytest.fixture(scope="session")
def opensearch(index_prefix: str) -> OpenSearch:
    client = store.opensearch_client()
    store.ensure_indices(client)
    return client


@pytest.fixture(scope="session")
def customers_db(make_database: Callable[[str, MigrationStreams], Database]) -> Database:
    return make_database("customers-for-search", STREAMS)


@pytest.fixture(scope="session")
def search_db(make_database: Callable[[str, MigrationStreams], Database]) -> Database:
    return make_database("search-service", SEARCH.streams)


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
    customers_db: Database, verifier: TokenVerifier, identity_grpc: GrpcServer
) -> Iterator[TestClient]:
    app = create_app(
        title="CRM customers", verifier=verifier, routers=customer_routers(), db=customers_db
    )
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


@pytest.fixture(scope="session")
def search_client(
    search_db: Database, verifier: TokenVerifier, identity_grpc: GrpcServer, opensearch: OpenSearch
) -> Iterator[TestClient]:
    app = create_app(title="CRM search", verifier=verifier, routers=search_routers(), db=search_db)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


@pytest.fixture(scope="session")
def search_consumer(search_db: Database, crm_settings: Settings) -> EventConsumer:
    return make_consumer(SEARCH, search_db, crm_settings)


@pytest.fixture
def world(
    identity_client: TestClient,
    identity_db: Database,
    customers_client: TestClient,
    customers_db: Database,
    search_client: TestClient,
    search_consumer: EventConsumer,
    opensearch: OpenSearch,
    crm_settings: Settings,
) -> SearchWorld:
    return SearchWorld(
        identity=identity_client,
        identity_consumer=make_consumer(IDENTITY, identity_db, crm_settings),
        client=customers_client,
        db=customers_db,
        identity_db=identity_db,
        consumer=make_consumer(CUSTOMERS, customers_db, crm_settings),
        search=search_client,
        search_consumer=search_consumer,
        opensearch=opensearch,
    )
