"""Tokens are checked before anything is forwarded; the tenant of a host is enforced."""

import base64
import json

import httpx
import pytest
from gateway_testkit import BASE_DOMAIN, TENANT_A, TENANT_B, Upstreams, bearer

from crmkit.auth import PrincipalKind
from crmkit.testing.tokens import TestSigner


def _tampered(token: str) -> str:
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["tid"] = str(TENANT_B)
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"{header}.{forged}.{signature}"


@pytest.mark.parametrize("case", ["missing", "expired", "tampered", "unknown key", "not bearer"])
def test_bad_tokens_are_refused_before_the_upstream_sees_anything(
    case: str, gateway: str, hits: Upstreams, signer: TestSigner
) -> None:
    headers = {
        "missing": {},
        "expired": bearer(signer.mint(tenant_id=TENANT_A, ttl_seconds=-60)),
        "tampered": bearer(_tampered(signer.mint(tenant_id=TENANT_A))),
        "unknown key": bearer(TestSigner().mint(tenant_id=TENANT_A)),
        "not bearer": {"Authorization": "Basic dXNlcjpwYXNz"},
    }[case]
    response = httpx.get(f"{gateway}/api/v1/customers", headers=headers)
    assert response.status_code == 401, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json()["code"] == "unauthenticated"
    assert hits.of("customers") == []


def test_a_good_token_passes(gateway: str, hits: Upstreams, signer: TestSigner) -> None:
    response = httpx.get(
        f"{gateway}/api/v1/customers", headers=bearer(signer.mint(tenant_id=TENANT_A))
    )
    assert response.status_code == 200
    assert [hit.tenant for hit in hits.of("customers")] == [str(TENANT_A)]


def test_token_of_tenant_a_is_refused_on_the_host_of_tenant_b(
    gateway: str, hits: Upstreams, signer: TestSigner
) -> None:
    token = signer.mint(tenant_id=TENANT_A)
    refused = httpx.get(
        f"{gateway}/api/v1/customers", headers={**bearer(token), "Host": f"globex.{BASE_DOMAIN}"}
    )
    assert refused.status_code == 403
    assert refused.json()["code"] == "tenant_mismatch"
    assert hits.of("customers") == []
    allowed = httpx.get(
        f"{gateway}/api/v1/customers", headers={**bearer(token), "Host": f"acme.{BASE_DOMAIN}"}
    )
    assert allowed.status_code == 200
    (hit,) = hits.of("customers")
    assert hit.headers["x-crm-tenant-slug"] == "acme"


def test_unknown_tenant_host_is_a_404(gateway: str, hits: Upstreams, signer: TestSigner) -> None:
    response = httpx.get(
        f"{gateway}/api/v1/customers",
        headers={**bearer(signer.mint(tenant_id=TENANT_A)), "Host": f"nobody.{BASE_DOMAIN}"},
    )
    assert response.status_code == 404
    assert response.json()["code"] == "tenant_not_found"
    assert hits.of("customers") == []


def test_public_routes_need_no_token_and_sign_in_gets_the_host_slug(
    gateway: str, hits: Upstreams
) -> None:
    host = {"Host": f"globex.{BASE_DOMAIN}"}
    login = httpx.post(
        f"{gateway}/api/v1/auth/login", json={"email": "a@b.c", "password": "pw"}, headers=host
    )
    refresh = httpx.post(f"{gateway}/api/v1/auth/refresh", json={"refresh_token": "r"})
    signup = httpx.post(f"{gateway}/api/v1/signup", json={"slug": "new"})
    status = httpx.get(f"{gateway}/api/v1/signup/acme")
    assert [r.status_code for r in (login, refresh, signup, status)] == [200, 200, 200, 200]
    assert status.json()["tenant_id"] == str(TENANT_A)
    assert hits.of("identity")[0].headers["x-crm-tenant-slug"] == "globex"
    assert "x-crm-tenant-slug" not in hits.of("identity")[1].headers


def test_logout_and_everything_else_need_a_token(gateway: str, hits: Upstreams) -> None:
    for method, path in [
        ("POST", "/api/v1/auth/logout"),
        ("GET", "/api/v1/me"),
        ("GET", "/api/v1/signup"),
        ("DELETE", "/api/v1/signup/acme"),
    ]:
        assert httpx.request(method, f"{gateway}{path}").status_code == 401, path
    assert hits.hits == []


def test_portal_tokens_reach_only_portal_routes_and_staff_tokens_never_do(
    gateway: str, hits: Upstreams, signer: TestSigner
) -> None:
    portal = bearer(signer.mint(tenant_id=TENANT_A, kind=PrincipalKind.PORTAL))
    staff = bearer(signer.mint(tenant_id=TENANT_A))
    api_key = bearer(signer.mint(tenant_id=TENANT_A, kind=PrincipalKind.API_KEY))
    assert httpx.get(f"{gateway}/api/v1/customers", headers=portal).status_code == 403
    assert httpx.get(f"{gateway}/api/v1/portal/tickets", headers=staff).status_code == 403
    assert httpx.get(f"{gateway}/api/v1/portal/profile", headers=api_key).status_code == 403
    assert hits.hits == []
    assert httpx.get(f"{gateway}/api/v1/portal/tickets", headers=portal).status_code == 200
    assert httpx.get(f"{gateway}/api/v1/portal/profile", headers=portal).status_code == 200
    assert httpx.get(f"{gateway}/api/v1/customers", headers=api_key).status_code == 200
    assert [(h.service, h.path) for h in hits.hits] == [
        ("sales", "/api/v1/portal/tickets"),
        ("identity", "/api/v1/portal/profile"),
        ("customers", "/api/v1/customers"),
    ]


def test_service_tokens_are_not_accepted_at_the_edge(
    gateway: str, hits: Upstreams, signer: TestSigner
) -> None:
    token = bearer(signer.mint(tenant_id=None, kind=PrincipalKind.SERVICE))
    assert httpx.get(f"{gateway}/api/v1/customers", headers=token).status_code == 403
    assert hits.hits == []
