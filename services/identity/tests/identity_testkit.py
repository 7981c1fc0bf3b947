"""Builders for identity's tests: tenants signed up and provisioned through the real saga,
and named example users per role, so tests read like stories."""

import uuid
from dataclasses import dataclass, field
from typing import Any

from fastapi.testclient import TestClient

from crm_identity.settings import get_identity_settings
from crmkit.events.consumer import EventConsumer
from crmkit.events.envelope import CloudEvent

PASSWORD = "Corr3ct-Horse!"


def unique_slug(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def provisioned(service: str, tenant_id: str) -> CloudEvent:
    return CloudEvent(
        type=f"{service}.tenant.provisioned",
        source=f"/crm/{service}",
        tenantid=tenant_id,
        data={"tenant_id": tenant_id, "service": service},
    )


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@dataclass
class Org:
    """One signed-up, active tenant and its admin; `login` adds more people."""

    client: TestClient
    slug: str
    tenant_id: str
    admin_email: str
    tokens: dict[str, dict[str, Any]] = field(default_factory=dict)

    @classmethod
    def start_sign_up(cls, client: TestClient, prefix: str) -> "Org":
        slug = unique_slug(prefix)
        admin_email = f"admin@{slug}.example"
        response = client.post(
            "/api/v1/signup",
            json={
                "company_name": f"{prefix.title()} Ltd",
                "slug": slug,
                "admin_email": admin_email,
                "admin_password": PASSWORD,
                "admin_name": f"{prefix.title()} Admin",
                "locale": "en",
            },
        )
        assert response.status_code == 202, response.text
        return cls(client, slug, response.json()["tenant_id"], admin_email)

    @classmethod
    def sign_up(cls, client: TestClient, consumer: EventConsumer, prefix: str) -> "Org":
        org = cls.start_sign_up(client, prefix)
        for service in get_identity_settings().required_services:
            consumer.process(provisioned(service, org.tenant_id))
        assert org.status()["status"] == "active"
        org.login("admin", org.admin_email)
        return org

    def status(self) -> dict[str, Any]:
        response = self.client.get(f"/api/v1/signup/{self.slug}")
        assert response.status_code == 200, response.text
        return dict(response.json())

    def login(self, name: str, email: str, password: str = PASSWORD) -> dict[str, Any]:
        response = self.client.post(
            "/api/v1/auth/login", json={"tenant": self.slug, "email": email, "password": password}
        )
        assert response.status_code == 200, response.text
        self.tokens[name] = response.json()
        return dict(response.json())

    def headers(self, name: str = "admin") -> dict[str, str]:
        return bearer(self.tokens[name]["access_token"])

    def get(self, path: str, as_: str = "admin", **kwargs: Any) -> Any:
        return self.client.get(path, headers=self.headers(as_), **kwargs)

    def post(self, path: str, json: Any = None, as_: str = "admin", **kwargs: Any) -> Any:
        return self.client.post(path, json=json, headers=self.headers(as_), **kwargs)

    def patch(
        self, path: str, json: Any, as_: str = "admin", headers: dict[str, str] | None = None
    ) -> Any:
        return self.client.patch(path, json=json, headers={**self.headers(as_), **(headers or {})})

    def delete(self, path: str, as_: str = "admin") -> Any:
        return self.client.delete(path, headers=self.headers(as_))

    def created(self, path: str, json: Any) -> dict[str, Any]:
        response = self.post(path, json)
        assert response.status_code == 201, response.text
        return dict(response.json())

    def role_id(self, builtin_key: str) -> str:
        roles = self.get("/api/v1/roles").json()["items"]
        return str(next(r["id"] for r in roles if r["builtin_key"] == builtin_key))

    def add_user(self, name: str, *, roles: tuple[str, ...] = (), **fields: Any) -> dict[str, Any]:
        """A user named `name` (email `<name>@<slug>.example`), signed in as `name`."""
        email = f"{name}@{self.slug}.example"
        user = self.created(
            "/api/v1/users",
            {
                "email": email,
                "name": name.title(),
                "password": PASSWORD,
                "role_ids": [self.role_id(r) for r in roles],
                **fields,
            },
        )
        self.login(name, email)
        return user
