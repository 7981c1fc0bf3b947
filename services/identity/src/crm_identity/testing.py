"""pytest fixtures for other parts' tests that need a real identity service: its database,
its HTTP app, its gRPC server (grants, visible owners, sessions) wired as the process's
access client, its consumer, and a token verifier reading identity's published keys.

A part's conftest re-exports them: `from crm_identity.testing import identity_db, ...`.
"""

from collections.abc import Callable, Iterator
from typing import Any

import jwt
import pytest
from fastapi.testclient import TestClient
from jwt import PyJWK

from crm_identity.access.rpc import registrations
from crm_identity.definition import DEFINITION as IDENTITY
from crm_identity.definition import routers as identity_routers
from crm_identity.keys.verifier import make_identity_verifier
from crmkit.access import AccessClient, set_access_client
from crmkit.auth import TokenVerifier
from crmkit.db import Database
from crmkit.errors import Unauthenticated
from crmkit.events.consumer import EventConsumer
from crmkit.grpc import GrpcServer, build_server
from crmkit.http import create_app
from crmkit.migrations import MigrationStreams
from crmkit.service import make_consumer
from crmkit.settings import Settings


class IdentityKeys:
    """Identity's JWKS, fetched from its app (and again for a key id not seen yet)."""

    def __init__(self, client: TestClient) -> None:
        self._client = client
        self._keys: dict[str, Any] = {}

    def key_for(self, token: str) -> Any:
        kid = jwt.get_unverified_header(token).get("kid")
        if kid not in self._keys:
            jwks = self._client.get("/.well-known/jwks.json").json()
            self._keys = {k["kid"]: PyJWK(k).key for k in jwks["keys"]}
        if kid not in self._keys:
            raise Unauthenticated("token signed by an unknown key")
        return self._keys[kid]


@pytest.fixture(scope="session")
def identity_db(make_database: Callable[[str, MigrationStreams], Database]) -> Database:
    return make_database("identity-for-tests", IDENTITY.streams)


@pytest.fixture(scope="session")
def identity_client(identity_db: Database, crm_settings: Settings) -> Iterator[TestClient]:
    app = create_app(
        title="CRM identity",
        verifier=make_identity_verifier(identity_db, crm_settings),
        routers=identity_routers(),
        db=identity_db,
    )
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


@pytest.fixture(scope="session")
def identity_consumer(identity_db: Database, crm_settings: Settings) -> EventConsumer:
    return make_consumer(IDENTITY, identity_db, crm_settings)


@pytest.fixture(scope="session")
def identity_grpc(identity_db: Database, crm_settings: Settings) -> Iterator[GrpcServer]:
    server = build_server(
        registrations(identity_db),
        port=0,
        verifier=make_identity_verifier(identity_db, crm_settings),
    )
    server.start()
    # No caching between steps of a test: a role changed by the test applies at once.
    set_access_client(AccessClient(f"127.0.0.1:{server.port}", cache_seconds=0))
    yield server
    set_access_client(None)
    server.stop(grace_seconds=0)


@pytest.fixture(scope="session")
def verifier(identity_client: TestClient, crm_settings: Settings) -> TokenVerifier:
    """How a service verifies tokens: identity's published keys."""
    return TokenVerifier(
        IdentityKeys(identity_client),
        issuer=crm_settings.jwt_issuer,
        audience=crm_settings.jwt_audience,
    )
