"""Files tests run against real identity (HTTP and gRPC), real customers (HTTP for the
records, its gRPC `CheckAccess` in-process), real PostgreSQL and the real MinIO."""

import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from crm_customers.customers.rpc import registrations as customer_registrations
from crm_customers.definition import DEFINITION as CUSTOMERS
from crm_customers.definition import routers as customer_routers
from crm_files.definition import DEFINITION, routers
from crm_files.settings import FilesSettings, RecordOwner, set_files_settings
from crm_files.storage import Storage, set_storage
from crm_identity.definition import DEFINITION as IDENTITY
from crm_identity.testing import (  # noqa: F401 - fixtures
    identity_client,
    identity_consumer,
    identity_db,
    identity_grpc,
    verifier,
)
from crmkit.auth import TokenVerifier
from crmkit.db import Database
from crmkit.grpc import GrpcServer, build_server
from crmkit.http import create_app
from crmkit.migrations import MigrationStreams
from crmkit.service import make_consumer
from crmkit.settings import Settings

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "customers" / "tests"))

from files_testkit import FilesWorld  # noqa: E402

TEST_BUCKET = "test-crm-files"


@pytest.fixture(scope="session")
def customers_db(make_database: Callable[[str, MigrationStreams], Database]) -> Database:
    return make_database("customers-for-files", CUSTOMERS.streams)


@pytest.fixture(scope="session")
def files_db(make_database: Callable[[str, MigrationStreams], Database]) -> Database:
    return make_database("files-service", DEFINITION.streams)


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
def files_settings(customers_grpc: GrpcServer) -> Iterator[FilesSettings]:
    target = f"127.0.0.1:{customers_grpc.port}"
    settings = FilesSettings(
        url_expiry_seconds=60,
        record_owners={
            "customer": RecordOwner(target=target, record_type=1),
            "contact": RecordOwner(target=target, record_type=2),
            "follow_up": RecordOwner(target=target, record_type=3),
        },
    )
    set_files_settings(settings)
    yield settings
    set_files_settings(None)


@pytest.fixture(scope="session")
def storage(crm_settings: Settings, files_settings: FilesSettings) -> Iterator[Storage]:
    store = Storage(crm_settings.model_copy(update={"s3_bucket": TEST_BUCKET}), files_settings)
    store.ensure_bucket()
    set_storage(store)
    yield store
    set_storage(None)


@pytest.fixture(scope="session")
def files_client(
    files_db: Database, verifier: TokenVerifier, storage: Storage
) -> Iterator[TestClient]:
    app = create_app(title="CRM files", verifier=verifier, routers=routers(), db=files_db)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


@pytest.fixture
def limits(files_settings: FilesSettings) -> Iterator[Callable[..., FilesSettings]]:
    """Run a test with other limits (`limits(max_file_bytes=1000)`); restored after."""

    def apply(**changes: object) -> FilesSettings:
        changed = files_settings.model_copy(update=changes)
        set_files_settings(changed)
        return changed

    yield apply
    set_files_settings(files_settings)


@pytest.fixture
def world(
    identity_client: TestClient,
    identity_db: Database,
    customers_client: TestClient,
    customers_db: Database,
    files_client: TestClient,
    files_db: Database,
    storage: Storage,
    crm_settings: Settings,
) -> FilesWorld:
    return FilesWorld.build(
        identity_client=identity_client,
        identity_db=identity_db,
        identity_consumer=make_consumer(IDENTITY, identity_db, crm_settings),
        customers_client=customers_client,
        customers_db=customers_db,
        customers_consumer=make_consumer(CUSTOMERS, customers_db, crm_settings),
        files_client=files_client,
        files_db=files_db,
        files_consumer=make_consumer(DEFINITION, files_db, crm_settings),
        storage=storage,
    )


@pytest.fixture
def acme(world: FilesWorld):  # type: ignore[no-untyped-def]
    return world.sign_up("acme")


@pytest.fixture
def globex(world: FilesWorld):  # type: ignore[no-untyped-def]
    return world.sign_up("globex")
