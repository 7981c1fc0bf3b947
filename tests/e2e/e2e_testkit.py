"""Helpers for end-to-end tests: companies that sign up and work through the gateway."""

import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx

PASSWORD = "Corr3ct-Horse-Battery"


@dataclass
class Company:
    http: httpx.Client
    slug: str
    tenant_id: str
    tokens: dict[str, dict[str, Any]] = field(default_factory=dict)

    def login(self, name: str, email: str) -> None:
        response = self.http.post(
            "/api/v1/auth/login", json={"tenant": self.slug, "email": email, "password": PASSWORD}
        )
        assert response.status_code == 200, response.text
        self.tokens[name] = response.json()

    def auth(self, name: str = "admin") -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[name]['access_token']}"}

    def create(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        response = self.http.post(path, json=body, headers=self.auth())
        assert response.status_code == 201, response.text
        return dict(response.json())


def sign_up(http: httpx.Client, name: str) -> Company:
    slug = f"{name}-{uuid.uuid4().hex[:8]}"
    response = http.post(
        "/api/v1/signup",
        json={
            "company_name": f"{name.title()} 科技有限公司",
            "slug": slug,
            "admin_email": f"admin@{slug}.example",
            "admin_password": PASSWORD,
            "admin_name": f"{name.title()} Admin",
            "locale": "zh-CN",
        },
    )
    assert response.status_code == 202, response.text
    return Company(http, slug, response.json()["tenant_id"])


def wait_active(company: Company, timeout: float = 90) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    status: dict[str, Any] = {}
    while time.monotonic() < deadline:
        status = company.http.get(f"/api/v1/signup/{company.slug}").json()
        if status["status"] != "provisioning":
            return status
        time.sleep(0.2)
    raise AssertionError(f"{company.slug} still provisioning: {status}")
