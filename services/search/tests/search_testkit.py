"""Builders for the search tests: tenants and people from the customers testkit, customers'
real events handed to the search consumer, and search requests as a named person."""

import uuid
from dataclasses import dataclass, field
from typing import Any

from customers_testkit import Org, World
from fastapi.testclient import TestClient
from opensearchpy import OpenSearch
from sqlalchemy import select

from crm_search.settings import get_search_settings
from crmkit.events.consumer import EventConsumer
from crmkit.events.envelope import CloudEvent
from crmkit.events.models import OutboxRecord


@dataclass
class SearchWorld(World):
    search: TestClient = field(kw_only=True)
    search_consumer: EventConsumer = field(kw_only=True)
    opensearch: OpenSearch = field(kw_only=True)
    delivered: set[int] = field(default_factory=set, kw_only=True)

    def tenant(self, prefix: str) -> "Tenant":
        return Tenant(self.sign_up(prefix), self)


@dataclass
class Tenant:
    org: Org
    world: SearchWorld

    def __getattr__(self, name: str) -> Any:
        return getattr(self.org, name)

    def envelopes(self) -> list[tuple[int, dict[str, Any]]]:
        with self.world.db.platform_session() as session:
            rows = session.scalars(
                select(OutboxRecord)
                .where(
                    OutboxRecord.tenant_id == uuid.UUID(self.org.tenant_id),
                    OutboxRecord.routing_key.like("customers.%"),
                )
                .order_by(OutboxRecord.id)
            ).all()
            return [(r.id, dict(r.envelope)) for r in rows]

    def deliver(self) -> int:
        """Hand the tenant's new customers events to the search consumer, then refresh."""
        applied = 0
        for row_id, envelope in self.envelopes():
            if row_id in self.world.delivered:
                continue
            applied += self.world.search_consumer.process(CloudEvent.from_dict(envelope))
            self.world.delivered.add(row_id)
        self.refresh()
        return applied

    def deliver_access_changes(self) -> int:
        """Hand the tenant's identity events (roles, users, departments) to the search
        consumer, as RabbitMQ would. Returns how many were applied."""
        with self.world.identity_db.platform_session() as session:
            rows = session.scalars(
                select(OutboxRecord)
                .where(
                    OutboxRecord.tenant_id == uuid.UUID(self.org.tenant_id),
                    OutboxRecord.routing_key.like("identity.%"),
                )
                .order_by(OutboxRecord.id)
            ).all()
            envelopes = [dict(r.envelope) for r in rows]
        process = self.world.search_consumer.process
        return sum(process(CloudEvent.from_dict(e)) for e in envelopes)

    def refresh(self) -> None:
        self.world.opensearch.indices.refresh(index=f"{get_search_settings().index_prefix}-*")

    def search(self, q: str, as_: str = "admin", **params: Any) -> Any:
        return self.world.search.get(
            "/api/v1/search", params={"q": q, **params}, headers=self.org.headers(as_)
        )

    def found(self, q: str, as_: str = "admin", group: str = "customer") -> list[dict[str, Any]]:
        response = self.search(q, as_=as_)
        assert response.status_code == 200, response.text
        return list(response.json()["groups"][group])

    def titles(self, q: str, as_: str = "admin", group: str = "customer") -> set[str]:
        return {item["title"] for item in self.found(q, as_=as_, group=group)}

    def report(self, path: str, as_: str = "admin", **params: Any) -> dict[str, Any]:
        response = self.world.search.get(path, params=params, headers=self.org.headers(as_))
        assert response.status_code == 200, response.text
        return dict(response.json())
