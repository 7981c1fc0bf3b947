"""Helpers for the browser tests: companies set up through the public API, users who sign
in through the console, and screenshots under var/screenshots/ (git-ignored)."""

import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import Page

PASSWORD = "Corr3ct-Horse-Battery"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


@dataclass
class Company:
    http: httpx.Client
    slug: str
    name: str
    tokens: dict[str, str] = field(default_factory=dict)
    emails: dict[str, str] = field(default_factory=dict)

    def login(self, who: str, email: str) -> None:
        response = self.http.post(
            "/api/v1/auth/login", json={"tenant": self.slug, "email": email, "password": PASSWORD}
        )
        assert response.status_code == 200, response.text
        self.tokens[who] = response.json()["access_token"]
        self.emails[who] = email

    def api(self, method: str, path: str, who: str = "admin", **kwargs: Any) -> Any:
        """The API as `who`, signing in again when the token has expired (the test stack's
        tokens live 30 s)."""
        extra = kwargs.pop("headers", {})
        response = None
        for _ in range(2):
            headers = {"Authorization": f"Bearer {self.tokens[who]}", **extra}
            response = self.http.request(method, path, headers=headers, **kwargs)
            if response.status_code != 401:
                break
            self.login(who, self.emails[who])
        assert response is not None
        assert response.status_code < 300, response.text
        return response.json() if response.content else None

    @property
    def admin_email(self) -> str:
        return f"admin@{self.slug}.example"


def sign_up(http: httpx.Client, name: str, *, locale: str) -> Company:
    slug = f"{name}-{uuid.uuid4().hex[:6]}"
    company_name = f"{name.title()} 科技有限公司"
    response = http.post(
        "/api/v1/signup",
        json={
            "company_name": company_name,
            "slug": slug,
            "admin_email": f"admin@{slug}.example",
            "admin_password": PASSWORD,
            "admin_name": f"{name.title()} Admin",
            "locale": locale,
        },
    )
    assert response.status_code == 202, response.text
    company = Company(http, slug, company_name)
    wait_active(http, slug)
    company.login("admin", company.admin_email)
    return company


def wait_active(http: httpx.Client, slug: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    status: dict[str, Any] = {}
    while time.monotonic() < deadline:
        status = http.get(f"/api/v1/signup/{slug}").json()
        if status["status"] == "active":
            return
        time.sleep(0.3)
    raise AssertionError(f"{slug} not active: {status}")


def add_user(company: Company, who: str, *, role_ids: list[str]) -> str:
    """A user of the company, signed in through the API too (for set-up calls)."""
    email = f"{who}@{company.slug}.example"
    user = company.api(
        "POST",
        "/api/v1/users",
        json={"email": email, "name": who.title(), "password": PASSWORD, "role_ids": role_ids},
    )
    company.login(who, email)
    return str(user["id"])


def sign_in(page: Page, base: str, company: Company, email: str) -> None:
    page.goto(f"{base}/sign-in")
    page.fill("input[name=tenant]", company.slug)
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("form.stack button[type=submit]")
    page.wait_for_load_state()
    assert "/sign-in" not in page.url, page.content()[:2000]


def shot(page: Page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def poll(check: Any, *, timeout: float = 20, every: float = 0.5) -> Any:
    """Search is eventually consistent: ask again until `check` answers something truthy."""
    deadline = time.monotonic() + timeout
    while True:
        answer = check()
        if answer or time.monotonic() > deadline:
            return answer
        time.sleep(every)
