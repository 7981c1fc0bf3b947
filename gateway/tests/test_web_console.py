"""The gateway serves the web console at / and every path outside /api."""

from collections.abc import Iterator

import httpx
import pytest
from gateway_testkit import TENANT_A, MakeGateway, Upstreams, bearer, serve

from crm_gateway.security import WEB_CSP
from crm_web.app import create_app
from crm_web.settings import WebSettings
from crmkit.testing.tokens import TestSigner


@pytest.fixture(scope="module")
def web() -> Iterator[str]:
    # The real console; these pages make no API call, so its API address is never used.
    with serve(create_app(settings=WebSettings(api_url="http://127.0.0.1:9"))) as url:
        yield url


def test_pages_and_assets_come_from_the_web_console(make_gateway: MakeGateway, web: str) -> None:
    gateway = make_gateway(web_url=web)
    page = httpx.get(f"{gateway}/sign-in?next=/customers")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert 'name="next" value="/customers"' in page.text
    assert page.headers["content-security-policy"] == WEB_CSP
    assert page.headers["referrer-policy"] == "same-origin"
    cookie = page.headers["set-cookie"]
    assert cookie.startswith("__Host-crm_visitor=")
    for flag in ("HttpOnly", "Secure", "SameSite=lax", "Path=/"):
        assert flag in cookie
    css = httpx.get(f"{gateway}/static/app.css")
    assert css.status_code == 200
    assert css.headers["content-type"].startswith("text/css")
    assert httpx.get(f"{gateway}/static/vendor/htmx.min.js").status_code == 200


def test_api_paths_never_reach_the_console(make_gateway: MakeGateway, web: str) -> None:
    gateway = make_gateway(web_url=web)
    for path in ("/api/v1/no-such-resource", "/api/v2/customers", "/api/whatever"):
        response = httpx.get(f"{gateway}{path}")
        assert response.status_code == 404, path
        assert response.headers["content-type"] == "application/problem+json"
        assert "default-src 'none'" in response.headers["content-security-policy"]


def test_without_a_console_other_paths_are_404(make_gateway: MakeGateway) -> None:
    gateway = make_gateway(web_url="")
    response = httpx.get(f"{gateway}/customers")
    assert response.status_code == 404
    assert response.json()["code"] == "route_not_found"


def test_the_console_names_the_browser_with_the_shared_secret(
    make_gateway: MakeGateway, hits: Upstreams, signer: TestSigner
) -> None:
    gateway = make_gateway(web_secret="s3cret", rate_ip_per_minute=1)
    token = bearer(signer.mint(tenant_id=TENANT_A))
    for address in ("203.0.113.7", "203.0.113.8"):
        named = {**token, "X-CRM-Web-Secret": "s3cret", "X-Forwarded-For": address}
        assert httpx.get(f"{gateway}/api/v1/customers", headers=named).status_code == 200
    # Each browser has its own bucket (one request a minute here), and upstream sees it.
    assert [hit.headers["x-forwarded-for"] for hit in hits.of("customers")] == [
        "203.0.113.7",
        "203.0.113.8",
    ]
    assert all("x-crm-web-secret" not in hit.headers for hit in hits.of("customers"))
    again = {**token, "X-CRM-Web-Secret": "s3cret", "X-Forwarded-For": "203.0.113.7"}
    assert httpx.get(f"{gateway}/api/v1/customers", headers=again).status_code == 429


def test_without_the_secret_a_named_address_is_ignored(
    make_gateway: MakeGateway, hits: Upstreams, signer: TestSigner
) -> None:
    gateway = make_gateway(web_secret="s3cret")
    token = bearer(signer.mint(tenant_id=TENANT_A))
    for secret in ("wrong", None):
        headers = {**token, "X-Forwarded-For": "203.0.113.9"}
        if secret:
            headers["X-CRM-Web-Secret"] = secret
        assert httpx.get(f"{gateway}/api/v1/customers", headers=headers).status_code == 200
    assert [hit.headers["x-forwarded-for"] for hit in hits.of("customers")] == [
        "127.0.0.1",
        "127.0.0.1",
    ]


def test_the_consoles_import_pages_take_upload_sized_bodies(
    make_gateway: MakeGateway, web: str
) -> None:
    """The import wizard posts the file to the console, which sends it on to the API."""
    gateway = make_gateway(web_url=web, max_body_bytes=100_000, upload_max_body_bytes=300_000)
    body = b"x" * 200_000
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    assert httpx.post(f"{gateway}/customers/new", content=body, headers=form).status_code == 413
    # Through to the console (which refuses it for want of a CSRF token, not for its size).
    assert httpx.post(f"{gateway}/imports/new", content=body, headers=form).status_code == 403
    too_big = httpx.post(f"{gateway}/imports/new", content=b"x" * 300_001, headers=form)
    assert too_big.status_code == 413
