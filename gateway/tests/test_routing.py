"""Requests reach the service the routing table names, and only that one."""

import json
import uuid

import httpx
import pytest
from fastapi.testclient import TestClient
from gateway_testkit import TENANT_A, Upstreams, bearer

from crm_gateway.app import create_gateway
from crm_gateway.routes import RoutingTable
from crm_gateway.settings import GatewaySettings
from crmkit.auth import PrincipalKind
from crmkit.testing.tokens import TestSigner


def test_each_upstream_gets_only_its_resources(
    gateway: str, hits: Upstreams, signer: TestSigner
) -> None:
    token = signer.mint(tenant_id=TENANT_A)
    customers = httpx.get(f"{gateway}/api/v1/customers?limit=5&q=%E5%BC%A0", headers=bearer(token))
    leads = httpx.post(f"{gateway}/api/v1/leads", json={"name": "x"}, headers=bearer(token))
    assert customers.status_code == 200, customers.text
    assert customers.json()["service"] == "customers"
    assert leads.json() == {
        "service": "sales",
        "path": "/api/v1/leads",
        "tenant": str(TENANT_A),
        "bytes": len(b'{"name":"x"}'),
    }
    assert [(h.method, h.path, h.query) for h in hits.of("customers")] == [
        ("GET", "/api/v1/customers", "limit=5&q=%E5%BC%A0")
    ]
    assert [(h.method, h.path) for h in hits.of("sales")] == [("POST", "/api/v1/leads")]


def test_unknown_resource_is_a_404_problem(
    gateway: str, hits: Upstreams, signer: TestSigner
) -> None:
    token = signer.mint(tenant_id=TENANT_A)
    for path in ("/api/v1/nothing-here", "/api/v1/", "/api/v2/customers"):
        response = httpx.get(f"{gateway}{path}", headers=bearer(token))
        assert response.status_code == 404, path
        assert response.headers["content-type"] == "application/problem+json"
    assert httpx.get(f"{gateway}/api/v1/nothing-here").json()["code"] == "route_not_found"
    assert hits.hits == []


def test_dot_segments_cannot_change_the_route(
    gateway: str, hits: Upstreams, signer: TestSigner
) -> None:
    portal = signer.mint(tenant_id=TENANT_A, kind=PrincipalKind.PORTAL)
    response = httpx.get(f"{gateway}/api/v1/portal/%2e%2e/customers", headers=bearer(portal))
    assert response.status_code == 404
    assert hits.hits == []


def test_upstream_sees_forwarding_headers_and_no_hop_by_hop_ones(
    gateway: str, hits: Upstreams, signer: TestSigner
) -> None:
    token = signer.mint(tenant_id=TENANT_A)
    response = httpx.get(
        f"{gateway}/api/v1/customers",
        headers={
            **bearer(token),
            "Connection": "keep-alive, X-Secret-Hop",
            "X-Secret-Hop": "1",
            "X-Forwarded-For": "6.6.6.6",
            "X-CRM-Tenant-Slug": "globex",
            "X-Custom": "kept",
        },
    )
    assert response.status_code == 200
    (hit,) = hits.of("customers")
    assert "x-secret-hop" not in hit.headers
    assert "x-crm-tenant-slug" not in hit.headers
    assert hit.headers["x-forwarded-for"] == "127.0.0.1"
    assert hit.headers["x-forwarded-proto"] == "http"
    assert hit.headers["x-forwarded-host"] == gateway.removeprefix("http://")
    assert hit.headers["x-custom"] == "kept"
    assert hit.headers["authorization"] == f"Bearer {token}"


def test_jwks_is_served_through_the_gateway(gateway: str, signer: TestSigner) -> None:
    response = httpx.get(f"{gateway}/.well-known/jwks.json")
    assert response.status_code == 200
    assert response.json() == signer.jwks()


def test_service_that_is_down_is_a_503_naming_it(gateway: str, signer: TestSigner) -> None:
    response = httpx.get(
        f"{gateway}/api/v1/files", headers=bearer(signer.mint(tenant_id=uuid.uuid4()))
    )
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["service"] == "files"
    assert response.json()["code"] == "upstream_unavailable"


def test_slow_upstream_is_a_504_problem(gateway: str, signer: TestSigner) -> None:
    response = httpx.get(
        f"{gateway}/api/v1/slow", headers=bearer(signer.mint(tenant_id=TENANT_A)), timeout=10
    )
    assert response.status_code == 504
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["service"] == "sales"


def test_new_resources_join_by_configuration(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(
        "CRM_GATEWAY_SERVICES", json.dumps({"identity": "http://id", "crm": "http://crm/"})
    )
    monkeypatch.setenv("CRM_GATEWAY_ROUTES", json.dumps({"signup": "identity", "widgets": "crm"}))
    settings = GatewaySettings()
    table = RoutingTable(
        services=settings.services, routes=settings.routes, public=settings.public_routes
    )
    widgets = table.resolve(method="GET", path="/api/v1/widgets/1")
    assert widgets is not None
    assert (widgets.service, widgets.base_url, widgets.public) == ("crm", "http://crm", False)
    assert table.resolve(method="GET", path="/api/v1/customers") is None
    status = table.resolve(method="GET", path="/api/v1/signup/acme")
    signup = table.resolve(method="POST", path="/api/v1/signup")
    assert status is not None
    assert signup is not None
    assert (status.public, status.auth) == (True, False)
    assert (signup.public, signup.auth) == (True, True)


def test_a_route_to_an_unknown_service_is_refused_at_start() -> None:
    with pytest.raises(ValueError, match="unknown services"):
        create_gateway(settings=GatewaySettings(services={}, routes={"widgets": "nowhere"}))


def test_default_routes_follow_the_services_a_deployment_has() -> None:
    app = create_gateway(settings=GatewaySettings(services={"identity": "http://127.0.0.1:1"}))
    with TestClient(app) as client:
        assert client.get("/api/v1/customers").status_code == 404
        assert client.get("/api/v1/me").status_code == 401
