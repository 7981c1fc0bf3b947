"""Who sees whose records: data scopes over a three-level tree, over gRPC as services ask;
grants; and a disabled user's tokens refused by every service within 5 seconds."""

import time
import uuid
from collections.abc import Iterator
from typing import Any

import grpc
import pytest
from fastapi.testclient import TestClient
from identity_testkit import Org

from crm_identity.access.rpc import registrations
from crm_identity.keys.verifier import make_identity_verifier
from crm_proto.crm.identity.v1 import identity_pb2, identity_pb2_grpc
from crmkit.auth import StaticKeySource, TokenVerifier
from crmkit.db import Database
from crmkit.errors import Unauthenticated
from crmkit.grpc import GrpcServer, build_server, make_channel
from crmkit.sessions import IdentitySessionCheck
from crmkit.settings import Settings


@pytest.fixture(scope="module")
def grpc_server(db: Database, crm_settings: Settings) -> Iterator[GrpcServer]:
    server = build_server(
        registrations(db), port=0, verifier=make_identity_verifier(db, crm_settings)
    )
    server.start()
    yield server
    server.stop(grace_seconds=0)


@pytest.fixture(scope="module")
def stub(grpc_server: GrpcServer) -> Iterator[Any]:
    channel = make_channel(f"127.0.0.1:{grpc_server.port}")
    yield identity_pb2_grpc.IdentityServiceStub(channel)
    channel.close()


def metadata(org: Org, name: str) -> tuple[tuple[str, str], ...]:
    return (("authorization", org.headers(name)["Authorization"]),)


class Tree:
    """Head office (ceo) > Sales (mgr) > East (lead), West (no head). Xena sits in head
    office but reports to mgr; Olga sits in East but reports to the ceo."""

    def __init__(self, org: Org) -> None:
        self.org = org
        self.scoped_role = org.created(
            "/api/v1/roles",
            {"name": "Scoped", "permissions": ["customers:view"], "scopes": {"customers": "own"}},
        )
        dept = {}
        dept["head"] = org.created("/api/v1/departments", {"name": "Head office"})
        dept["sales"] = org.created(
            "/api/v1/departments", {"name": "Sales", "parent_id": dept["head"]["id"]}
        )
        for name in ("east", "west"):
            dept[name] = org.created(
                "/api/v1/departments", {"name": name.title(), "parent_id": dept["sales"]["id"]}
            )
        self.ids: dict[str, str] = {}
        self._add("ceo", dept["head"], head_of=dept["head"])
        self._add("mgr", dept["sales"], head_of=dept["sales"], role=self.scoped_role["id"])
        self._add("sue", dept["sales"])
        self._add("lead", dept["east"], head_of=dept["east"])
        self._add("rita", dept["east"])
        self._add("walt", dept["west"])
        self._add("xena", dept["head"], manager="mgr")
        self._add("olga", dept["east"], manager="ceo")

    def _add(
        self,
        name: str,
        department: dict[str, Any],
        *,
        head_of: dict[str, Any] | None = None,
        manager: str | None = None,
        role: str | None = None,
    ) -> None:
        user = self.org.add_user(
            name,
            department_id=department["id"],
            manager_id=self.ids[manager] if manager else None,
            role_ids=[role] if role else [],
        )
        self.ids[name] = user["id"]
        if head_of is not None:
            response = self.org.patch(
                f"/api/v1/departments/{head_of['id']}", {"head_user_id": user["id"]}
            )
            assert response.status_code == 200

    def names(self, ids: list[str]) -> set[str]:
        by_id = {v: k for k, v in self.ids.items()}
        return {by_id[i] for i in ids}

    def set_scope(self, scope: str) -> None:
        response = self.org.patch(
            f"/api/v1/roles/{self.scoped_role['id']}", {"scopes": {"customers": scope}}
        )
        assert response.status_code == 200


EXPECTED = {
    "own": {"mgr"},
    "subordinates": {"mgr", "sue", "lead", "rita", "walt", "xena"},
    "department": {"mgr", "sue"},
    "department_tree": {"mgr", "sue", "lead", "rita", "walt", "olga"},
}


def test_visible_owners_for_each_scope_on_a_three_level_tree(
    stub: Any, acme: Org, globex: Org
) -> None:
    tree = Tree(acme)
    globex_tree = Tree(globex)
    for scope, expected in EXPECTED.items():
        tree.set_scope(scope)
        answer = stub.ListVisibleOwners(
            identity_pb2.ListVisibleOwnersRequest(module="customers"),
            metadata=metadata(acme, "mgr"),
        )
        assert not answer.all
        assert tree.names(list(answer.owner_ids)) == expected, scope
        assert identity_pb2.DataScope.Name(answer.scope) == f"DATA_SCOPE_{scope.upper()}"
    tree.set_scope("all")
    answer = stub.ListVisibleOwners(
        identity_pb2.ListVisibleOwnersRequest(module="customers"), metadata=metadata(acme, "mgr")
    )
    assert answer.all
    assert not answer.owner_ids
    # globex's identical tree answers with globex's users only.
    globex_tree.set_scope("department_tree")
    answer = stub.ListVisibleOwners(
        identity_pb2.ListVisibleOwnersRequest(module="customers"),
        metadata=metadata(globex, "mgr"),
    )
    assert set(answer.owner_ids) == {globex_tree.ids[n] for n in EXPECTED["department_tree"]}
    assert not set(answer.owner_ids) & set(tree.ids.values())


def test_a_sales_rep_with_scope_own_sees_only_their_own(
    stub: Any, client: TestClient, acme: Org, globex: Org
) -> None:
    rep = acme.add_user("rory", roles=("sales_rep",))
    colleague = acme.add_user("cora", roles=("sales_rep",))
    globex.add_user("gina", roles=("sales_rep",))
    me = acme.get("/api/v1/me", as_="rory").json()
    assert me["scopes"]["customers"] == "own"
    listed = acme.get("/api/v1/users", as_="rory").json()["items"]
    assert [u["id"] for u in listed] == [rep["id"]]
    assert acme.get(f"/api/v1/users/{colleague['id']}", as_="rory").status_code == 404
    assert len(acme.get("/api/v1/users").json()["items"]) == 3, "the admin sees all"
    answer = stub.ListVisibleOwners(
        identity_pb2.ListVisibleOwnersRequest(module="customers"), metadata=metadata(acme, "rory")
    )
    assert list(answer.owner_ids) == [rep["id"]]
    grants = stub.GetGrants(identity_pb2.GetGrantsRequest(), metadata=metadata(acme, "rory"))
    assert grants.principal_id == rep["id"]
    assert "customers:create" in grants.permissions
    assert "customers:export" not in grants.permissions
    assert grants.scopes["customers"] == identity_pb2.DATA_SCOPE_OWN
    hidden = {
        (r.module, r.field)
        for r in grants.field_rules
        if r.access == identity_pb2.FIELD_ACCESS_HIDDEN
    }
    assert ("sales", "cost") in hidden


def test_several_roles_combine_by_the_widest_scope_and_least_restriction(
    stub: Any, acme: Org
) -> None:
    wide = acme.created(
        "/api/v1/roles",
        {
            "name": "Wide",
            "permissions": ["customers:export"],
            "scopes": {"customers": "department"},
            "field_rules": {"sales": {"cost": "read_only"}},
        },
    )
    user = acme.add_user("will", roles=("sales_rep",))
    acme.patch(f"/api/v1/users/{user['id']}", {"role_ids": [acme.role_id("sales_rep"), wide["id"]]})
    acme.login("will", user["email"])
    grants = stub.GetGrants(identity_pb2.GetGrantsRequest(), metadata=metadata(acme, "will"))
    assert grants.scopes["customers"] == identity_pb2.DATA_SCOPE_DEPARTMENT
    assert {"customers:export", "customers:create"} <= set(grants.permissions)
    rules = {(r.module, r.field): r.access for r in grants.field_rules}
    assert rules[("sales", "cost")] == identity_pb2.FIELD_ACCESS_READ_ONLY
    assert ("sales", "margin") not in rules, "the wide role leaves margin open"


def test_asking_about_another_user_needs_the_right_and_stays_in_the_tenant(
    stub: Any, acme: Org, globex: Org
) -> None:
    rep = acme.add_user("ron", roles=("sales_rep",))
    other = acme.add_user("oli", roles=("sales_rep",))
    request = identity_pb2.GetGrantsRequest(user_id=other["id"])
    with pytest.raises(grpc.RpcError) as denied:
        stub.GetGrants(request, metadata=metadata(acme, "ron"))
    assert denied.value.code() == grpc.StatusCode.PERMISSION_DENIED
    assert stub.GetGrants(request, metadata=metadata(acme, "admin")).principal_id == other["id"]
    with pytest.raises(grpc.RpcError) as foreign:
        stub.GetGrants(request, metadata=metadata(globex, "admin"))
    assert foreign.value.code() == grpc.StatusCode.NOT_FOUND
    assert rep["id"] != other["id"]


def remote_verifier(client: TestClient, grpc_server: GrpcServer) -> TokenVerifier:
    """What every other service runs: identity's JWKS plus crmkit's session check."""
    return TokenVerifier(
        StaticKeySource(client.get("/.well-known/jwks.json").json()),
        issuer="crm-identity",
        audience="crm",
        session_check=IdentitySessionCheck(f"127.0.0.1:{grpc_server.port}", cache_seconds=2.0),
    )


def refused_within(verifier: TokenVerifier, token: str, seconds: float) -> float:
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        try:
            verifier.verify(token)
        except Unauthenticated:
            return time.monotonic() - started
        time.sleep(0.1)
    raise AssertionError(f"token still accepted after {seconds} s")


def test_a_disabled_users_tokens_are_refused_everywhere_within_5_seconds(
    client: TestClient, grpc_server: GrpcServer, acme: Org, globex: Org
) -> None:
    verifier = remote_verifier(client, grpc_server)
    victim = acme.add_user("dora", roles=("sales_rep",))
    bystander = globex.add_user("dora", roles=("sales_rep",))
    token = acme.tokens["dora"]["access_token"]
    assert str(verifier.verify(token).subject) == victim["id"], "alive, and now cached"

    assert acme.post(f"/api/v1/users/{victim['id']}/disable").status_code == 200
    assert acme.get("/api/v1/me", as_="dora").status_code == 401, "identity refuses at once"
    assert refused_within(verifier, token, 5.0) < 5.0
    assert verifier.verify(globex.tokens["dora"]["access_token"]).subject == bystander["id"]
    refresh = acme.tokens["dora"]["refresh_token"]
    assert client.post("/api/v1/auth/refresh", json={"refresh_token": refresh}).status_code == 401


def test_a_logged_out_session_is_refused_everywhere_within_5_seconds(
    client: TestClient, grpc_server: GrpcServer, acme: Org
) -> None:
    verifier = remote_verifier(client, grpc_server)
    token = acme.tokens["admin"]["access_token"]
    verifier.verify(token)
    assert acme.post("/api/v1/auth/logout").status_code == 204
    assert refused_within(verifier, token, 5.0) < 5.0


def test_check_session_answers_over_grpc(stub: Any, acme: Org) -> None:
    answer = stub.CheckSession(identity_pb2.CheckSessionRequest(), metadata=metadata(acme, "admin"))
    assert answer.active
    with pytest.raises(grpc.RpcError) as refused:
        stub.CheckSession(
            identity_pb2.CheckSessionRequest(),
            metadata=(("authorization", f"Bearer {uuid.uuid4().hex}"),),
        )
    assert refused.value.code() == grpc.StatusCode.UNAUTHENTICATED
