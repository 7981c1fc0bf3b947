"""Builders for the customers tests: tenants signed up through the real identity service,
their customers schema provisioned, and named people per role (admin, manager, reps)."""

import uuid
from dataclasses import dataclass, field
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from crm_customers.streams import STREAMS
from crm_identity.keys.service import sign, signing_key, utcnow
from crm_identity.settings import get_identity_settings
from crmkit.db import Database
from crmkit.events.consumer import EventConsumer
from crmkit.events.envelope import CloudEvent
from crmkit.events.models import OutboxRecord
from crmkit.migrations import provision_tenant
from crmkit.settings import get_settings

PASSWORD = "Corr3ct-Horse!"
SERVICES = ("identity", "customers", "sales", "service-desk", "files", "search")
CUSTOMER_ACTIONS = ("view", "create", "update", "delete")


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@dataclass
class World:
    identity: TestClient
    identity_consumer: EventConsumer
    client: TestClient
    db: Database
    identity_db: Database
    consumer: EventConsumer

    def sign_up(self, prefix: str) -> "Org":
        slug = f"{prefix}-{uuid.uuid4().hex[:8]}"
        admin_email = f"admin@{slug}.example"
        response = self.identity.post(
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
        tenant_id = response.json()["tenant_id"]
        provision_tenant(self.db.engine, STREAMS, uuid.UUID(tenant_id))
        for service in SERVICES:
            self.identity_consumer.process(
                CloudEvent(
                    type=f"{service}.tenant.provisioned",
                    source=f"/crm/{service}",
                    tenantid=tenant_id,
                    data={"tenant_id": tenant_id, "service": service},
                )
            )
        org = Org(self, slug, tenant_id)
        org.login("admin", admin_email)
        org.ids["admin"] = org.identity_get("/api/v1/me").json()["user"]["id"]
        return org


@dataclass
class Org:
    world: World
    slug: str
    tenant_id: str
    tokens: dict[str, str] = field(default_factory=dict)
    ids: dict[str, str] = field(default_factory=dict)

    # --- identity
    def login(self, name: str, email: str) -> None:
        response = self.world.identity.post(
            "/api/v1/auth/login", json={"tenant": self.slug, "email": email, "password": PASSWORD}
        )
        assert response.status_code == 200, response.text
        self.tokens[name] = response.json()["access_token"]

    def headers(self, name: str = "admin") -> dict[str, str]:
        return bearer(self.tokens[name])

    def identity_get(self, path: str, as_: str = "admin") -> Any:
        return self.world.identity.get(path, headers=self.headers(as_))

    def identity_created(self, path: str, json: Any) -> dict[str, Any]:
        response = self.world.identity.post(path, json=json, headers=self.headers())
        assert response.status_code == 201, response.text
        return dict(response.json())

    def identity_patch(self, path: str, json: Any) -> None:
        response = self.world.identity.patch(path, json=json, headers=self.headers())
        assert response.status_code == 200, response.text

    def role_id(self, builtin_key: str) -> str:
        roles = self.identity_get("/api/v1/roles").json()["items"]
        return str(next(r["id"] for r in roles if r["builtin_key"] == builtin_key))

    def role(
        self, name: str, *, scope: str = "own", extra: tuple[str, ...] = (), **rules: Any
    ) -> str:
        """A role with the customer basics, `scope` over customers and `extra` actions."""
        body: dict[str, Any] = {
            "name": f"{name}-{uuid.uuid4().hex[:6]}",
            "permissions": [f"customers:{a}" for a in (*CUSTOMER_ACTIONS, *extra)],
            "scopes": {"customers": scope},
        }
        if rules:
            body["field_rules"] = {"customers": rules}
        return str(self.identity_created("/api/v1/roles", body)["id"])

    def add_user(
        self,
        name: str,
        *,
        roles: tuple[str, ...] = (),
        role_ids: tuple[str, ...] = (),
        **fields: Any,
    ) -> str:
        email = f"{name}@{self.slug}.example"
        user = self.identity_created(
            "/api/v1/users",
            {
                "email": email,
                "name": name.title(),
                "password": PASSWORD,
                "role_ids": [*(self.role_id(r) for r in roles), *role_ids],
                **fields,
            },
        )
        self.login(name, email)
        self.ids[name] = str(user["id"])
        return str(user["id"])

    # --- customers
    def get(self, path: str, as_: str = "admin", **kwargs: Any) -> Any:
        return self.world.client.get(path, headers=self.headers(as_), **kwargs)

    def post(self, path: str, json: Any = None, as_: str = "admin", **kwargs: Any) -> Any:
        return self.world.client.post(path, json=json, headers=self.headers(as_), **kwargs)

    def put(self, path: str, json: Any = None, as_: str = "admin") -> Any:
        return self.world.client.put(path, json=json, headers=self.headers(as_))

    def patch(
        self, path: str, json: Any, as_: str = "admin", headers: dict[str, str] | None = None
    ) -> Any:
        return self.world.client.patch(
            path, json=json, headers={**self.headers(as_), **(headers or {})}
        )

    def delete(self, path: str, as_: str = "admin") -> Any:
        return self.world.client.delete(path, headers=self.headers(as_))

    def created(self, path: str, json: Any, as_: str = "admin") -> dict[str, Any]:
        response = self.post(path, json, as_=as_)
        assert response.status_code == 201, response.text
        return dict(response.json())

    def customer(self, name: str, as_: str = "admin", **fields: Any) -> dict[str, Any]:
        body = {"kind": "company", "name": name, **fields}
        return self.created("/api/v1/customers", body, as_=as_)

    def names(self, path: str, as_: str = "admin", **params: Any) -> set[str]:
        response = self.get(path, as_=as_, params={"limit": 200, **params})
        assert response.status_code == 200, response.text
        return {item["name"] for item in response.json()["items"]}

    def deliver_identity_events(self) -> int:
        """Hand identity's events of this tenant to the customers consumer, as the relay
        and RabbitMQ would (user replica, cache invalidation). Returns how many applied."""
        with self.world.identity_db.platform_session() as session:
            rows = session.scalars(
                select(OutboxRecord)
                .where(
                    OutboxRecord.tenant_id == uuid.UUID(self.tenant_id),
                    OutboxRecord.routing_key.like("identity.%"),
                )
                .order_by(OutboxRecord.created_at)
            ).all()
            envelopes = [dict(r.envelope) for r in rows]
        return sum(self.world.consumer.process(CloudEvent.from_dict(e)) for e in envelopes)

    def service_token(self, name: str = "search") -> str:
        """A `knd=service` token for this tenant, signed by identity's current key (as
        identity issues them to services)."""
        settings = get_settings()
        now = utcnow()
        with self.world.identity_db.platform_session() as session, session.begin():
            key = signing_key(session, settings=get_identity_settings(), now=now)
            return sign(
                key,
                {
                    "iss": settings.jwt_issuer,
                    "aud": settings.jwt_audience,
                    "sub": name,
                    "knd": "service",
                    "tid": self.tenant_id,
                    "iat": int(now.timestamp()),
                    "exp": int(now.timestamp()) + 300,
                    "perms": [],
                },
            )

    def events(self, type_: str) -> list[dict[str, Any]]:
        """Events of this tenant in the customers outbox, oldest first."""
        with self.world.db.platform_session() as session:
            rows = session.scalars(
                select(OutboxRecord)
                .where(
                    OutboxRecord.routing_key == type_,
                    OutboxRecord.tenant_id == uuid.UUID(self.tenant_id),
                )
                .order_by(OutboxRecord.created_at)
            ).all()
        return [dict(r.envelope["data"]) for r in rows]
