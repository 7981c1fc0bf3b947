"""The read model stays right: out-of-order and repeated events keep the newest document,
OpenSearch being down loses no event (and the API answers 503), a tenant re-indexed from
customers' gRPC stream while writes continue loses nothing, a new mapping moves the alias."""

import dataclasses
import socket
import threading
import uuid
from typing import Any

import opensearchpy
import pytest
from search_testkit import SearchWorld, Tenant
from sqlalchemy import select

from crm_search.indexing import store
from crm_search.indexing.events import handlers
from crm_search.indexing.registry import CUSTOMER, RECORD_TYPES
from crm_search.indexing.reindex import reindex_tenant, stream_contacts, stream_customers
from crm_search.search import api
from crm_search.settings import get_search_settings
from crmkit.db import Database
from crmkit.events.consumer import EventConsumer
from crmkit.events.envelope import CloudEvent
from crmkit.events.models import InboxRecord
from crmkit.grpc import GrpcServer


def _closed_port_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def customer_event(
    tenant_id: str, customer_id: str, *, name: str, version: int, verb: str = "updated"
) -> CloudEvent:
    """A customers event in the documented shape (data: the record as its owner sees it)."""
    return CloudEvent(
        type=f"customers.customer.{verb}",
        source="/crm/customers",
        tenantid=tenant_id,
        data={
            "id": customer_id,
            "kind": "company",
            "name": name,
            "phones": [],
            "emails": [],
            "tags": [],
            "owner_id": str(uuid.uuid4()),
            "collaborator_ids": [],
            "custom": {},
            "version": version,
            "deleted_at": "2026-11-24T00:00:00+00:00" if verb == "deleted" else None,
        },
    )


def _document(world: SearchWorld, tenant: Tenant, customer_id: str) -> dict[str, Any] | None:
    return store.get(world.opensearch, CUSTOMER, tenant_id=tenant.tenant_id, doc_id=customer_id)


def test_out_of_order_and_repeated_events_keep_the_newest(world: SearchWorld) -> None:
    acme = world.tenant("acme")
    cid = str(uuid.uuid4())
    consumer = world.search_consumer
    newest = customer_event(acme.tenant_id, cid, name="Newest Name", version=3)
    assert consumer.process(newest)
    assert consumer.process(customer_event(acme.tenant_id, cid, name="Older Name", version=2))
    assert not consumer.process(newest)  # the inbox drops a redelivery
    same = customer_event(acme.tenant_id, cid, name="Same Version", version=3)
    assert consumer.process(same)
    acme.refresh()
    doc = _document(world, acme, cid)
    assert doc is not None
    assert (doc["title"], doc["version"]) == ("Newest Name", 3)
    assert acme.titles("Newest") == {"Newest Name"}
    assert consumer.process(
        customer_event(acme.tenant_id, cid, name="Newest Name", version=4, verb="deleted")
    )
    assert consumer.process(customer_event(acme.tenant_id, cid, name="Zombie", version=3))
    acme.refresh()
    doc = _document(world, acme, cid)
    assert doc is not None
    assert doc["deleted"] is True
    assert doc["title"] == "Newest Name"


def test_real_updates_delivered_backwards_keep_the_newest(world: SearchWorld) -> None:
    acme = world.tenant("acme")
    customer = acme.customer("First Name Co")
    path = f"/api/v1/customers/{customer['id']}"
    for version, name in ((1, "Second Name Co"), (2, "Third Name Co")):
        response = acme.patch(path, {"name": name}, headers={"If-Match": f'"{version}"'})
        assert response.status_code == 200, response.text
    for _, envelope in reversed(acme.envelopes()):
        world.search_consumer.process(CloudEvent.from_dict(envelope))
    acme.refresh()
    assert acme.titles("Name Co") == {"Third Name Co"}


def test_opensearch_down_answers_503_and_loses_no_event(
    world: SearchWorld, search_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    acme = world.tenant("acme")
    down = _closed_port_url()
    monkeypatch.setattr(api, "opensearch_client", lambda: store.opensearch_client(down))
    response = acme.search("anything")
    assert response.status_code == 503
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == "search_unavailable"
    monkeypatch.undo()

    broken = EventConsumer(
        search_db,
        name="search",
        handlers=handlers(lambda: store.opensearch_client(down)),
        amqp_url="amqp://unused",
        exchange="crm.events",
        retry_delays_ms=[1000],
        transient_errors=store.UNAVAILABLE_ERRORS,
    )
    cid = str(uuid.uuid4())
    event = customer_event(acme.tenant_id, cid, name="Patient Partners", version=1)
    with pytest.raises(opensearchpy.exceptions.ConnectionError):
        broken.process(event)
    with search_db.platform_session() as session:
        inbox = session.scalar(
            select(InboxRecord).where(InboxRecord.event_id == uuid.UUID(event.id))
        )
    assert inbox is None  # not marked handled: it is applied when OpenSearch is back

    # Through the consumer's message path: back to the queue, no retry or dead-letter spent.
    channel = RecordingChannel()
    with pytest.raises(opensearchpy.exceptions.ConnectionError):
        broken._on_message(channel, Delivery(7), Properties(), event.to_json())  # type: ignore[arg-type]
    assert channel.calls == [("nack", 7, True)]

    assert world.search_consumer.process(event)
    acme.refresh()
    assert acme.titles("Patient") == {"Patient Partners"}


class RecordingChannel:
    def __init__(self) -> None:
        self.calls: list[tuple[Any, ...]] = []

    def basic_nack(self, tag: int, requeue: bool) -> None:
        self.calls.append(("nack", tag, requeue))

    def basic_ack(self, tag: int) -> None:
        self.calls.append(("ack", tag))

    def basic_publish(self, **kwargs: Any) -> None:
        self.calls.append(("publish", kwargs["routing_key"]))


@dataclasses.dataclass
class Delivery:
    delivery_tag: int


@dataclasses.dataclass
class Properties:
    headers: dict[str, Any] | None = None
    content_type: str = "application/cloudevents+json"
    message_id: str | None = None
    type: str | None = None


def test_reindex_from_the_stream_while_writes_continue_loses_nothing(
    world: SearchWorld, customers_grpc: GrpcServer
) -> None:
    acme = world.tenant("acme")
    customers = [acme.customer(f"Stream Co {i:02d}") for i in range(40)]
    for customer in customers[:3]:
        created = acme.post(
            f"/api/v1/customers/{customer['id']}/contacts", {"name": "Streamed Liaison"}
        )
        assert created.status_code == 201, created.text
    # The index never saw these creations (a new index, or events lost long ago).
    world.delivered.update(row_id for row_id, _ in acme.envelopes())
    token = acme.service_token()
    target = f"127.0.0.1:{customers_grpc.port}"
    result: dict[str, int] = {}

    def reindex() -> None:
        stream = stream_customers(target, token=token)
        result["written"] = reindex_tenant(
            store.opensearch_client,
            tenant_id=acme.tenant_id,
            customers=stream,
            contacts=stream_contacts(target, token=token),
        )

    thread = threading.Thread(target=reindex)
    thread.start()
    for customer in customers[::4]:
        path = f"/api/v1/customers/{customer['id']}"
        response = acme.patch(
            path, {"name": customer["customer"]["name"] + " Renamed"}, headers={"If-Match": '"1"'}
        )
        assert response.status_code == 200, response.text
        acme.deliver()
    thread.join(timeout=120)
    assert result["written"] >= 30
    acme.refresh()
    for customer in customers:
        doc = _document(world, acme, customer["id"])
        assert doc is not None, customer["id"]
        current = acme.get(f"/api/v1/customers/{customer['id']}").json()
        assert (doc["title"], doc["version"]) == (current["name"], current["version"])
    listed = acme.search("Stream", limit=100).json()["groups"]["customer"]
    assert len(listed) == 40
    assert len(acme.titles("Renamed")) == 10
    contacts = acme.search("Liaison", types="contact").json()["groups"]["contact"]
    assert len(contacts) == 3, "contacts come back from their own stream"


def test_a_new_mapping_version_moves_the_alias_without_losing_documents(
    world: SearchWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = world.opensearch
    prefix = f"test-{uuid.uuid4().hex[:10]}"
    monkeypatch.setenv("CRM_SEARCH_INDEX_PREFIX", prefix)
    get_search_settings.cache_clear()
    try:
        store.ensure_indices(client)
        tenant = str(uuid.uuid4())
        ids = [str(uuid.uuid4()) for _ in range(5)]
        for i, doc_id in enumerate(ids):
            store.write(
                client,
                CUSTOMER,
                tenant_id=tenant,
                doc_id=doc_id,
                document={"title": f"M{i}"},
                version=2,
            )
        monkeypatch.setitem(
            RECORD_TYPES, "customer", dataclasses.replace(CUSTOMER, mapping_version=2)
        )
        store.ensure_indices(client)
        assert set(client.indices.get_alias(name=f"{prefix}-customers")) == {
            f"{prefix}-customers-v2"
        }
        v2 = RECORD_TYPES["customer"]
        for doc_id in ids:
            doc = store.get(client, v2, tenant_id=tenant, doc_id=doc_id)
            assert doc is not None
        # Versions survived the copy: an older event still loses.
        assert not store.write(
            client, v2, tenant_id=tenant, doc_id=ids[0], document={"title": "old"}, version=1
        )
        store.ensure_indices(client)  # idempotent
    finally:
        client.indices.delete(index=f"{prefix}-*", ignore_unavailable=True)
        monkeypatch.undo()
        get_search_settings.cache_clear()
