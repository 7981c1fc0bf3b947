"""Service tokens on behalf of a user (`IssueServiceToken`): only a user holding the
purpose's permission gets one; the token is a short-lived `knd=service` token of the user's
tenant naming the user in `act`, and the issue is audited in that tenant only."""

from collections.abc import Iterator
from typing import Any

import grpc
import jwt
import pytest
from fastapi.testclient import TestClient
from identity_testkit import Org

from crm_identity.access.rpc import registrations
from crm_identity.keys.verifier import make_identity_verifier
from crm_identity.settings import get_identity_settings
from crm_proto.crm.identity.v1 import identity_pb2, identity_pb2_grpc
from crmkit.auth import PrincipalKind, StaticKeySource, TokenVerifier
from crmkit.db import Database
from crmkit.grpc import GrpcServer, build_server, make_channel
from crmkit.settings import Settings


@pytest.fixture(scope="module")
def stub(db: Database, crm_settings: Settings) -> Iterator[Any]:
    server: GrpcServer = build_server(
        registrations(db), port=0, verifier=make_identity_verifier(db, crm_settings)
    )
    server.start()
    channel = make_channel(f"127.0.0.1:{server.port}")
    yield identity_pb2_grpc.IdentityServiceStub(channel)
    channel.close()
    server.stop(grace_seconds=0)


def issue(stub: Any, token: str, service: str = "search", purpose: str = "reindex") -> Any:
    return stub.IssueServiceToken(
        identity_pb2.IssueServiceTokenRequest(service=service, purpose=purpose),
        metadata=(("authorization", f"Bearer {token}"),),
    )


def refused(stub: Any, token: str, **request: str) -> grpc.StatusCode:
    with pytest.raises(grpc.RpcError) as error:
        issue(stub, token, **request)
    code: grpc.StatusCode = error.value.code()
    return code


def access_token(org: Org, name: str = "admin") -> str:
    return str(org.tokens[name]["access_token"])


def test_an_admin_gets_a_short_lived_service_token_of_their_tenant_acting_for_them(
    client: TestClient, stub: Any, acme: Org, globex: Org, crm_settings: Settings
) -> None:
    response = issue(stub, access_token(acme))
    admin_id = acme.get("/api/v1/me").json()["user"]["id"]

    verifier = TokenVerifier(
        StaticKeySource(client.get("/.well-known/jwks.json").json()),
        issuer=crm_settings.jwt_issuer,
        audience=crm_settings.jwt_audience,
    )
    principal = verifier.verify(response.token)
    assert principal.kind is PrincipalKind.SERVICE
    assert (principal.subject, str(principal.tenant_id)) == ("search", acme.tenant_id)
    assert principal.permissions == frozenset()
    claims = jwt.decode(response.token, options={"verify_signature": False})
    assert claims["act"] == {"sub": admin_id}
    ttl = get_identity_settings().service_token_ttl_seconds
    assert response.expires_in == ttl == claims["exp"] - claims["iat"]

    events = acme.get("/api/v1/audit-events", params={"action": "service_token.issued"})
    assert events.status_code == 200, events.text
    (event,) = events.json()["items"]
    assert (event["actor_id"], event["target_id"]) == (admin_id, "search")
    assert event["details"]["purpose"] == "reindex"
    others = globex.get("/api/v1/audit-events", params={"action": "service_token.issued"})
    assert others.json()["items"] == []


def test_a_user_without_the_permission_is_refused(stub: Any, acme: Org) -> None:
    acme.add_user("rae", roles=("sales_rep",))
    assert refused(stub, access_token(acme, "rae")) == grpc.StatusCode.PERMISSION_DENIED
    events = acme.get("/api/v1/audit-events", params={"action": "service_token.issued"})
    assert events.json()["items"] == []


def test_a_role_losing_the_permission_counts_before_the_token_expires(stub: Any, acme: Org) -> None:
    role = acme.created(
        "/api/v1/roles", {"name": "Indexer", "permissions": ["search:reindex"], "scopes": {}}
    )
    acme.add_user("ivy", role_ids=[role["id"]])
    assert issue(stub, access_token(acme, "ivy")).token
    acme.patch(f"/api/v1/roles/{role['id']}", {"permissions": ["search:use"]})
    # Ivy's access token still lists search:reindex; her roles no longer do.
    assert refused(stub, access_token(acme, "ivy")) == grpc.StatusCode.PERMISSION_DENIED


def test_a_service_caller_cannot_mint_more_service_tokens(stub: Any, acme: Org) -> None:
    service_token = issue(stub, access_token(acme)).token
    assert refused(stub, service_token) == grpc.StatusCode.PERMISSION_DENIED


def test_only_listed_services_and_purposes(stub: Any, acme: Org) -> None:
    token = access_token(acme)
    assert refused(stub, token, service="sales") == grpc.StatusCode.INVALID_ARGUMENT
    assert refused(stub, token, purpose="export") == grpc.StatusCode.INVALID_ARGUMENT
    assert refused(stub, token, service="") == grpc.StatusCode.INVALID_ARGUMENT
