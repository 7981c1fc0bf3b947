"""Builders for the files tests: tenants from the customers testkit (real identity sign-up,
named users), their files schema provisioned, and helpers that upload through MinIO."""

import hashlib
import uuid
from dataclasses import dataclass
from typing import Any

import httpx
from customers_testkit import Org, World
from fastapi.testclient import TestClient
from sqlalchemy import select

from crm_files.storage import Storage
from crm_files.streams import STREAMS
from crmkit.db import Database
from crmkit.events.consumer import EventConsumer
from crmkit.events.envelope import CloudEvent
from crmkit.events.models import OutboxRecord
from crmkit.migrations import provision_tenant

PNG = bytes.fromhex("89504e470d0a1a0a0000000d49484452") + b"\x00" * 64
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 120


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass
class FilesWorld:
    base: World
    files: TestClient
    files_db: Database
    files_consumer: EventConsumer
    storage: Storage

    @classmethod
    def build(
        cls,
        *,
        identity_client: TestClient,
        identity_db: Database,
        identity_consumer: EventConsumer,
        customers_client: TestClient,
        customers_db: Database,
        customers_consumer: EventConsumer,
        files_client: TestClient,
        files_db: Database,
        files_consumer: EventConsumer,
        storage: Storage,
    ) -> "FilesWorld":
        base = World(
            identity_client,
            identity_consumer,
            customers_client,
            customers_db,
            identity_db,
            customers_consumer,
        )
        return cls(base, files_client, files_db, files_consumer, storage)

    def sign_up(self, prefix: str) -> "Tenant":
        org = self.base.sign_up(prefix)
        provision_tenant(self.files_db.engine, STREAMS, uuid.UUID(org.tenant_id))
        return Tenant(self, org)


@dataclass
class Tenant:
    world: FilesWorld
    org: Org

    @property
    def tenant_id(self) -> str:
        return self.org.tenant_id

    # --- people and records (customers service)
    def rep(self, name: str, scope: str = "own") -> str:
        """A user whose role reaches `scope` of customers; customer events delivered."""
        user_id = self.org.add_user(name, role_ids=(self.org.role(name, scope=scope),))
        self.org.deliver_identity_events()
        return user_id

    def customer(self, name: str, as_: str = "admin") -> str:
        return str(self.org.customer(name, as_=as_)["id"])

    def deliver_customer_events(self, type_: str) -> None:
        """Hand customers' events of this tenant to the files consumer (relay + RabbitMQ)."""
        with self.world.base.db.platform_session() as session:
            rows = session.scalars(
                select(OutboxRecord)
                .where(
                    OutboxRecord.tenant_id == uuid.UUID(self.tenant_id),
                    OutboxRecord.routing_key == type_,
                )
                .order_by(OutboxRecord.created_at)
            ).all()
            envelopes = [dict(r.envelope) for r in rows]
        for envelope in envelopes:
            self.world.files_consumer.process(CloudEvent.from_dict(envelope))

    # --- files
    def request(self, method: str, path: str, as_: str = "admin", **kwargs: Any) -> Any:
        headers = {**self.org.headers(as_), **kwargs.pop("headers", {})}
        return self.world.files.request(method, path, headers=headers, **kwargs)

    def announce(
        self,
        record_id: str,
        data: bytes,
        *,
        name: str = "contract.pdf",
        content_type: str = "application/pdf",
        record_type: str = "customer",
        as_: str = "admin",
        digest: str | None = None,
    ) -> Any:
        return self.request(
            "POST",
            "/api/v1/files",
            as_=as_,
            json={
                "record_type": record_type,
                "record_id": record_id,
                "name": name,
                "size": len(data),
                "content_type": content_type,
                "sha256": digest or sha(data),
            },
        )

    def upload(
        self, record_id: str, data: bytes = PDF, *, put: bytes | None = None, **kwargs: Any
    ) -> tuple[str, Any]:
        """Announce, PUT to MinIO through the presigned URL, complete: (id, complete response)."""
        response = self.announce(record_id, data, **kwargs)
        assert response.status_code == 201, response.text
        ticket = response.json()
        put_response = httpx.put(ticket["upload_url"], content=data if put is None else put)
        assert put_response.status_code == 200, put_response.text
        file_id = str(ticket["id"])
        return file_id, self.request(
            "POST", f"/api/v1/files/{file_id}/complete", as_=kwargs.get("as_", "admin")
        )

    def uploaded(self, record_id: str, data: bytes = PDF, **kwargs: Any) -> str:
        file_id, done = self.upload(record_id, data, **kwargs)
        assert done.status_code == 200, done.text
        return file_id

    def keys(self) -> list[str]:
        return self.world.storage.list_keys(f"t/{self.tenant_id}/")
