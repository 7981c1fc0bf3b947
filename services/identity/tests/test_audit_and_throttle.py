"""Security events in the audit log, paged by cursor and filtered; failed logins throttled
per account and per address, the same for unknown emails."""

import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient
from identity_testkit import PASSWORD, Org

from crm_identity.settings import get_identity_settings
from crmkit.events.consumer import EventConsumer
from crmkit.events.envelope import CloudEvent


def audit(org: Org, **params: Any) -> list[dict[str, Any]]:
    response = org.get("/api/v1/audit-events", params=params)
    assert response.status_code == 200, response.text
    return list(response.json()["items"])


def test_logins_failures_and_role_changes_are_audited_per_tenant(
    client: TestClient, acme: Org, globex: Org
) -> None:
    client.post(
        "/api/v1/auth/login",
        json={"tenant": acme.slug, "email": acme.admin_email, "password": "Wrong-passw0rd"},
        headers={"X-Forwarded-For": "203.0.113.9"},
    )
    role = acme.role_id("sales_rep")
    acme.patch(f"/api/v1/roles/{role}", {"permissions": ["customers:view"]})
    user = acme.add_user("rae", roles=("sales_rep",))
    acme.patch(f"/api/v1/users/{user['id']}", {"role_ids": [acme.role_id("sales_manager")]})

    actions = [e["action"] for e in audit(acme)]
    for expected in ("login.succeeded", "login.failed", "role.updated", "user.roles_changed"):
        assert expected in actions
    failed = audit(acme, action="login.failed")[0]
    assert failed["ip"] == "203.0.113.9"
    change = audit(acme, action="role.updated")[0]
    assert change["target_id"] == role
    assert change["details"]["after"]["permissions"] == ["customers:view"]
    assert "customers:create" in change["details"]["before"]["permissions"]
    globex_actions = {e["action"] for e in audit(globex)}
    assert "role.updated" not in globex_actions
    assert "login.failed" not in globex_actions


def test_the_audit_log_pages_by_cursor_newest_first(acme: Org) -> None:
    for name in ("p1", "p2", "p3"):
        acme.add_user(name)
    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 2, "action": "login.succeeded"}
        if cursor:
            params["cursor"] = cursor
        page = acme.get("/api/v1/audit-events", params=params).json()
        seen.extend(e["id"] for e in page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == len(set(seen)) == 4, "the admin's and p1..p3's logins, once each"
    times = [e["occurred_at"] for e in audit(acme, action="login.succeeded")]
    assert times == sorted(times, reverse=True)


def fail_login(client: TestClient, slug: str, email: str, ip: str) -> int:
    response = client.post(
        "/api/v1/auth/login",
        json={"tenant": slug, "email": email, "password": "Wrong-passw0rd"},
        headers={"X-Forwarded-For": ip},
    )
    return response.status_code


@pytest.mark.parametrize("email_exists", [True, False], ids=["known email", "unknown email"])
def test_an_account_is_throttled_after_repeated_failures_whether_or_not_it_exists(
    client: TestClient, acme: Org, globex: Org, email_exists: bool
) -> None:
    limit = get_identity_settings().login_max_failures_per_account
    email = acme.admin_email if email_exists else f"ghost-{uuid.uuid4().hex[:6]}@acme.example"
    statuses = [fail_login(client, acme.slug, email, f"198.51.100.{i}") for i in range(limit)]
    assert statuses == [401] * limit
    blocked = client.post(
        "/api/v1/auth/login", json={"tenant": acme.slug, "email": email, "password": PASSWORD}
    )
    assert blocked.status_code == 429, "even the right password waits"
    assert blocked.json()["code"] == "too_many_attempts"
    # The same person elsewhere is not blocked: globex's admin signs in.
    globex.login("admin-again", globex.admin_email)


def test_an_address_is_throttled_across_accounts(client: TestClient, acme: Org) -> None:
    limit = get_identity_settings().login_max_failures_per_ip
    ip = f"192.0.2.{uuid.uuid4().int % 250}"
    for i in range(limit):
        assert fail_login(client, acme.slug, f"guess-{i}@acme.example", ip) == 401
    response = client.post(
        "/api/v1/auth/login",
        json={"tenant": acme.slug, "email": acme.admin_email, "password": PASSWORD},
        headers={"X-Forwarded-For": ip},
    )
    assert response.status_code == 429
    acme.login("admin-elsewhere", acme.admin_email)


def test_exports_reported_by_other_services_land_in_their_tenants_audit_log(
    consumer: EventConsumer, acme: Org, globex: Org
) -> None:
    export = CloudEvent(
        type="customers.customers.exported",
        source="/crm/customers",
        tenantid=acme.tenant_id,
        data={"actor_id": "u-123", "export_id": "exp-1", "rows": 250, "format": "xlsx"},
    )
    assert consumer.process(export) is True
    assert consumer.process(export) is False, "a redelivery is not audited twice"
    entries = audit(acme, action="export")
    assert len(entries) == 1
    assert entries[0]["actor_id"] == "u-123"
    assert entries[0]["details"]["rows"] == 250
    assert audit(globex, action="export") == []
