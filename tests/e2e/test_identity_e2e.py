"""Identity through the gateway, against every real service: two companies sign up and
become active, shape their organisation, and never see each other; a disabled user is
refused everywhere within 5 seconds; refresh tokens rotate and a reused one ends the session."""

import time

import httpx
from e2e_testkit import PASSWORD, Company

from crmkit.testing.stack import Stack


def test_both_companies_are_active_and_see_themselves(
    http: httpx.Client, companies: tuple[Company, Company]
) -> None:
    for company in companies:
        me = http.get("/api/v1/me", headers=company.auth())
        assert me.status_code == 200, me.text
        assert me.json()["tenant"]["id"] == company.tenant_id


def test_a_taken_slug_is_409(http: httpx.Client, companies: tuple[Company, Company]) -> None:
    acme, _ = companies
    response = http.post(
        "/api/v1/signup",
        json={
            "company_name": "Copycat",
            "slug": acme.slug,
            "admin_email": "x@copycat.example",
            "admin_password": PASSWORD,
            "admin_name": "Copy Cat",
            "locale": "en",
        },
    )
    assert response.status_code == 409
    assert response.headers["content-type"].startswith("application/problem+json")


def test_one_company_gets_404_for_every_id_of_the_other(
    http: httpx.Client, companies: tuple[Company, Company]
) -> None:
    acme, globex = companies
    department = acme.create("/api/v1/departments", {"name": "华东销售部"})
    user = acme.create(
        "/api/v1/users",
        {
            "email": f"li.lei@{acme.slug}.example",
            "name": "李雷",
            "password": PASSWORD,
            "department_id": department["id"],
        },
    )
    roles = http.get("/api/v1/roles", headers=acme.auth()).json()["items"]
    for path in (
        f"/api/v1/departments/{department['id']}",
        f"/api/v1/users/{user['id']}",
        f"/api/v1/roles/{roles[0]['id']}",
    ):
        assert http.get(path, headers=acme.auth()).status_code == 200, path
        assert http.get(path, headers=globex.auth()).status_code == 404, path
        assert http.delete(path, headers=globex.auth()).status_code == 404, path
    globex_users = http.get("/api/v1/users", headers=globex.auth()).json()["items"]
    assert user["id"] not in {u["id"] for u in globex_users}


def test_a_disabled_user_is_refused_by_the_gateway_and_services_within_5_seconds(
    stack: Stack, http: httpx.Client, companies: tuple[Company, Company]
) -> None:
    acme, globex = companies
    email = f"han.meimei@{acme.slug}.example"
    user = acme.create("/api/v1/users", {"email": email, "name": "韩梅梅", "password": PASSWORD})
    acme.login("han", email)
    globex.login("bystander", f"admin@{globex.slug}.example")
    assert http.get("/api/v1/me", headers=acme.auth("han")).status_code == 200
    customers = httpx.Client(base_url=stack.service_url("customers"), timeout=10)
    assert customers.get("/api/v1/customers", headers=acme.auth("han")).status_code != 401

    disabled = http.post(f"/api/v1/users/{user['id']}/disable", headers=acme.auth())
    assert disabled.status_code in (200, 204), disabled.text
    disabled_at = time.monotonic()

    direct = httpx.Client(base_url=stack.service_url("identity"), timeout=10)
    refused_by: set[str] = set()
    callers = {
        "gateway": (http, "/api/v1/me"),
        "identity": (direct, "/api/v1/me"),
        "customers": (customers, "/api/v1/customers"),
    }
    while time.monotonic() - disabled_at < 5 and len(refused_by) < len(callers):
        for name, (client, path) in callers.items():
            if client.get(path, headers=acme.auth("han")).status_code == 401:
                refused_by.add(name)
        time.sleep(0.1)
    assert refused_by == set(callers), f"refused within 5 s by {refused_by} only"
    assert http.get("/api/v1/me", headers=globex.auth("bystander")).status_code == 200


def test_refresh_rotates_and_a_reused_refresh_token_ends_the_session(
    http: httpx.Client, companies: tuple[Company, Company]
) -> None:
    _, globex = companies
    globex.login("rotating", f"admin@{globex.slug}.example")
    first = globex.tokens["rotating"]["refresh_token"]
    rotated = http.post("/api/v1/auth/refresh", json={"refresh_token": first})
    assert rotated.status_code == 200, rotated.text
    second = rotated.json()["refresh_token"]
    assert second != first

    reused = http.post("/api/v1/auth/refresh", json={"refresh_token": first})
    assert reused.status_code == 401
    after_reuse = http.post("/api/v1/auth/refresh", json={"refresh_token": second})
    assert after_reuse.status_code == 401, "the whole session ended"


def test_the_aggregated_api_lists_identity_routes(http: httpx.Client) -> None:
    spec = http.get("/api/openapi.json").json()
    assert {"/api/v1/signup", "/api/v1/auth/login", "/api/v1/me"} <= set(spec["paths"])
    assert http.get("/.well-known/jwks.json").json()["keys"]
