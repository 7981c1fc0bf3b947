"""API keys (scoped, shown once, hashed, revocable), portal accounts (linked to a customer
or partner, tokens that reach only portal routes), and suspension of a tenant."""

import time
import uuid
from typing import Any

import jwt
import pytest
from fastapi.testclient import TestClient
from identity_testkit import PASSWORD, Org, bearer
from sqlalchemy import select

from crm_identity.apikeys.models import ApiKey
from crm_identity.auth.tokens import secret_hash
from crm_identity.keys import service as keys
from crm_identity.settings import get_identity_settings
from crmkit.auth import PrincipalKind
from crmkit.db import Database
from crmkit.registry import TenantRecord
from crmkit.tenancy import tenant_context


def exchange(client: TestClient, secret: str) -> Any:
    return client.post("/api/v1/auth/api-key", json={"api_key": secret})


def test_an_api_key_is_shown_once_stored_hashed_scoped_and_revocable(
    client: TestClient, db: Database, acme: Org, globex: Org
) -> None:
    created = acme.created(
        "/api/v1/api-keys", {"name": "ERP sync", "permissions": ["customers:view"]}
    )
    secret = created["key"]
    assert "key" not in acme.get(f"/api/v1/api-keys/{created['id']}").json()
    with tenant_context(uuid.UUID(acme.tenant_id)), db.tenant_session() as session:
        stored = session.scalars(select(ApiKey).where(ApiKey.id == created["id"])).one()
    assert stored.secret_hash == secret_hash(secret)
    assert secret not in str(vars(stored))

    token = exchange(client, secret).json()["access_token"]
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["knd"] == str(PrincipalKind.API_KEY)
    assert claims["perms"] == ["customers:view"]
    assert claims["tid"] == acme.tenant_id
    assert client.get("/api/v1/users", headers=bearer(token)).status_code == 200
    assert (
        client.post("/api/v1/roles", json={"name": "x"}, headers=bearer(token)).status_code == 403
    )

    assert acme.delete(f"/api/v1/api-keys/{created['id']}").status_code == 204
    assert exchange(client, secret).status_code == 401
    assert client.get("/api/v1/users", headers=bearer(token)).status_code == 401, "revoked now"
    assert globex.get("/api/v1/api-keys").json()["items"] == []
    actions = [e["action"] for e in acme.get("/api/v1/audit-events").json()["items"]]
    assert "api_key.created" in actions
    assert "api_key.revoked" in actions


def test_an_api_key_cannot_grant_more_than_its_creator_holds(acme: Org) -> None:
    acme.add_user("kim", roles=("sales_rep",))
    acme.patch(
        f"/api/v1/roles/{acme.role_id('sales_rep')}",
        {"permissions": ["customers:view", "identity:manage_api_keys"]},
    )
    acme.login("kim", f"kim@{acme.slug}.example")
    response = acme.post(
        "/api/v1/api-keys", {"name": "x", "permissions": ["customers:export"]}, as_="kim"
    )
    assert response.status_code == 422
    assert (
        acme.post("/api/v1/api-keys", {"name": "y", "permissions": ["nope:x"]}).status_code == 422
    )


def portal_login(client: TestClient, org: Org, email: str) -> Any:
    return client.post(
        "/api/v1/portal/auth/login", json={"tenant": org.slug, "email": email, "password": PASSWORD}
    )


def test_portal_accounts_get_portal_tokens_that_staff_routes_refuse(
    client: TestClient, acme: Org, globex: Org
) -> None:
    customer_id = str(uuid.uuid4())
    account = acme.created(
        "/api/v1/portal-accounts",
        {
            "email": "buyer@customer.example",
            "name": "Buyer",
            "password": PASSWORD,
            "kind": "customer_contact",
            "linked_record_id": customer_id,
        },
    )
    assert portal_login(client, globex, "buyer@customer.example").status_code == 401
    staff_login = {"tenant": acme.slug, "email": "buyer@customer.example", "password": PASSWORD}
    assert client.post("/api/v1/auth/login", json=staff_login).status_code == 401
    tokens = portal_login(client, acme, "buyer@customer.example").json()
    portal = bearer(tokens["access_token"])
    assert (
        jwt.decode(tokens["access_token"], options={"verify_signature": False})["knd"] == "portal"
    )
    me = client.get("/api/v1/portal/me", headers=portal).json()
    assert me["linked_record_id"] == customer_id
    for path in ("/api/v1/users", "/api/v1/departments", "/api/v1/roles", "/api/v1/me"):
        assert client.get(path, headers=portal).status_code == 403, path
    assert acme.get("/api/v1/portal/me").status_code == 403, "staff are not portal accounts"

    refreshed = client.post("/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert refreshed.status_code == 200
    portal = bearer(refreshed.json()["access_token"])
    disabled = acme.patch(f"/api/v1/portal-accounts/{account['id']}", {"status": "disabled"})
    assert disabled.status_code == 200
    assert client.get("/api/v1/portal/me", headers=portal).status_code == 401
    assert portal_login(client, acme, "buyer@customer.example").status_code == 401


@pytest.fixture
def operator(db: Database) -> dict[str, str]:
    """A platform operator's token (a service principal), signed by identity's key."""
    now = int(time.time())
    with db.platform_transaction() as session:
        key = keys.signing_key(session, settings=get_identity_settings(), now=keys.utcnow())
        token = keys.sign(
            key,
            {
                "iss": "crm-identity",
                "aud": "crm",
                "sub": "ops-console",
                "knd": "service",
                "perms": ["platform:manage_tenants"],
                "iat": now,
                "exp": now + 300,
            },
        )
    return bearer(token)


def test_a_suspended_tenant_is_refused_and_keeps_its_data_until_re_activated(
    client: TestClient, db: Database, acme: Org, globex: Org, operator: dict[str, str]
) -> None:
    acme.created("/api/v1/departments", {"name": "Kept"})
    suspended = client.post(f"/api/v1/platform/tenants/{acme.tenant_id}/suspend", headers=operator)
    assert suspended.status_code == 200
    assert suspended.json()["status"] == "suspended"
    with db.platform_session() as session:
        record = session.scalars(select(TenantRecord).where(TenantRecord.id == acme.tenant_id))
        assert record.one().status == "suspended"
    assert acme.get("/api/v1/me").status_code == 401
    login = {"tenant": acme.slug, "email": acme.admin_email, "password": PASSWORD}
    assert client.post("/api/v1/auth/login", json=login).status_code == 401
    refresh = {"refresh_token": acme.tokens["admin"]["refresh_token"]}
    assert client.post("/api/v1/auth/refresh", json=refresh).status_code == 401
    assert globex.get("/api/v1/me").status_code == 200

    activated = client.post(f"/api/v1/platform/tenants/{acme.tenant_id}/activate", headers=operator)
    assert activated.json()["status"] == "active"
    assert acme.get("/api/v1/me").status_code == 200
    assert "Kept" in [d["name"] for d in acme.get("/api/v1/departments").json()["items"]]


def test_tenant_settings_are_the_tenants_own(acme: Org, globex: Org) -> None:
    changed = acme.patch(
        "/api/v1/tenant",
        {
            "name": "Acme 株式会社",
            "locale": "zh-CN",
            "time_zone": "Asia/Shanghai",
            "currency": "CNY",
        },
    )
    assert changed.status_code == 200
    assert changed.json()["locale"] == "zh-CN"
    assert globex.get("/api/v1/tenant").json()["locale"] == "en"
    assert acme.patch("/api/v1/tenant", {"currency": "yen"}).status_code == 422
