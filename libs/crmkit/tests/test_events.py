"""Outbox, relay, consumer: nothing lost, nothing applied twice, poison goes aside."""

import json
import subprocess
import uuid
from pathlib import Path

import pika
import pytest
from sqlalchemy import delete, func, select

from crmkit.db import Database
from crmkit.events.amqp import DEAD_LETTER_SUFFIX, connect
from crmkit.events.consumer import ERROR_HEADER, Handler, replay_dead_letters
from crmkit.events.envelope import CloudEvent
from crmkit.events.models import OutboxRecord
from crmkit.events.outbox import record_event, record_events
from crmkit.events.relay import OutboxRelay
from crmkit.settings import Settings
from crmkit.tenancy import tenant_context

from .events_support import (
    make_consumer,
    make_relay,
    notes_count,
    running,
    wait_until,
)
from .sample.models import Note

REPO = Path(__file__).resolve().parents[3]


@pytest.fixture
def exchange() -> str:
    return f"test.events.{uuid.uuid4().hex[:8]}"


@pytest.fixture(autouse=True)
def empty_outbox(db: Database) -> None:
    """Each test relays only its own events."""
    with db.engine.begin() as connection:
        connection.execute(delete(OutboxRecord))


def write_note_with_event(db: Database, title: str) -> CloudEvent:
    with db.tenant_transaction() as session:
        session.add(Note(title=f"source: {title}"))
        return record_event(session, type="sample.note.created", data={"title": title})


def pending_in_outbox(db: Database) -> int:
    with db.platform_session() as session:
        return int(
            session.scalar(
                select(func.count())
                .select_from(OutboxRecord)
                .where(OutboxRecord.published_at.is_(None))
            )
            or 0
        )


def queue_depth(settings: Settings, queue: str) -> int:
    connection = connect(settings.amqp_url, name="test-inspect")
    try:
        return int(connection.channel().queue_declare(queue, passive=True).method.message_count)
    finally:
        connection.close()


def test_an_event_leaves_only_when_its_transaction_commits(
    db: Database, tenant_a: uuid.UUID
) -> None:
    with tenant_context(tenant_a):
        with pytest.raises(RuntimeError):  # noqa: PT012 - the transaction is what is tested
            with db.tenant_transaction() as session:
                record_event(session, type="sample.note.created", data={"title": "rolled back"})
                raise RuntimeError("the change failed")
        assert pending_in_outbox(db) == 0
        event = write_note_with_event(db, "committed")
    assert pending_in_outbox(db) == 1
    with db.platform_session() as session:
        row = session.scalars(select(OutboxRecord)).one()
    assert row.envelope["specversion"] == "1.0"
    assert row.envelope["tenantid"] == str(tenant_a)
    assert row.envelope["id"] == event.id
    assert row.routing_key == "sample.note.created"


def test_events_recorded_in_bulk_are_like_single_ones_and_only_on_commit(
    db: Database, crm_settings: Settings, exchange: str, tenant_a: uuid.UUID
) -> None:
    bulk = [("sample.note.created", {"title": f"bulk {i}"}) for i in range(3)]
    with tenant_context(tenant_a):
        with pytest.raises(RuntimeError):  # noqa: PT012 - the transaction is what is tested
            with db.tenant_transaction() as session:
                record_events(session, events=bulk)
                raise RuntimeError("the change failed")
        assert pending_in_outbox(db) == 0
        with db.tenant_transaction() as session:
            written = record_events(session, events=bulk)
    with db.platform_session() as session:
        rows = session.scalars(select(OutboxRecord).order_by(OutboxRecord.id)).all()
    assert [r.envelope["id"] for r in rows] == [e.id for e in written]
    assert [r.envelope["data"]["title"] for r in rows] == ["bulk 0", "bulk 1", "bulk 2"]
    assert {r.envelope["tenantid"] for r in rows} == {str(tenant_a)}
    consumer = make_consumer(db, crm_settings, exchange=exchange)
    consumer.declare_topology()
    relay = make_relay(db, crm_settings, exchange=exchange)
    assert relay.publish_batch() == 3
    relay.close()
    with running(consumer.run):
        wait_until(lambda: notes_count(db, tenant_a) == 3, message="the bulk events")


def test_an_idle_relay_wakes_when_an_event_commits_not_at_its_next_poll(
    db: Database, crm_settings: Settings, exchange: str, tenant_a: uuid.UUID
) -> None:
    """An idle relay sleeps on the outbox's notification: it publishes a committed event
    long before its minute-long fallback poll."""
    relay = OutboxRelay(
        db.engine,
        amqp_url=crm_settings.amqp_url,
        exchange=exchange,
        idle_seconds=60,
        fallback_seconds=60,
    )
    with running(relay.run):
        wait_until(lambda: relay._wakeup._connection is not None, message="listening")
        with tenant_context(tenant_a):
            for title in ("first", "second"):
                write_note_with_event(db, title)
                wait_until(lambda: pending_in_outbox(db) == 0, timeout=15, message=title)


def test_events_flow_to_the_consumer_of_the_right_tenant_once(
    db: Database,
    crm_settings: Settings,
    exchange: str,
    tenant_a: uuid.UUID,
    tenant_b: uuid.UUID,
) -> None:
    consumer = make_consumer(db, crm_settings, exchange=exchange)
    consumer.declare_topology()
    for tenant, count in ((tenant_a, 3), (tenant_b, 2)):
        with tenant_context(tenant):
            for i in range(count):
                write_note_with_event(db, f"note {i}")
    relay = make_relay(db, crm_settings, exchange=exchange)
    assert relay.publish_batch() == 5
    relay.close()
    assert pending_in_outbox(db) == 0

    with running(consumer.run):
        # Each tenant has its source notes plus one applied note per event, no more.
        wait_until(lambda: notes_count(db, tenant_a) == 6, message="tenant a's events")
        wait_until(lambda: notes_count(db, tenant_b) == 4, message="tenant b's events")


def test_a_redelivered_event_has_one_effect(
    db: Database, crm_settings: Settings, exchange: str, tenant_a: uuid.UUID
) -> None:
    consumer = make_consumer(db, crm_settings, exchange=exchange)
    consumer.declare_topology()
    event = CloudEvent(
        type="sample.note.created",
        source="/crm/test",
        data={"title": "once"},
        tenantid=str(tenant_a),
    )
    # One consumer applies messages in order: once the sentinel is applied, so are the copies.
    sentinel = CloudEvent(
        type="sample.note.created",
        source="/crm/test",
        data={"title": "sentinel"},
        tenantid=str(tenant_a),
    )
    connection = connect(crm_settings.amqp_url, name="test-publisher")
    channel = connection.channel()
    for message in (event, event, event, sentinel):
        channel.basic_publish(exchange, message.type, message.to_json())
    connection.close()

    with running(consumer.run):
        wait_until(lambda: notes_count(db, tenant_a) >= 2, message="copies and sentinel")
    assert notes_count(db, tenant_a) == 2, "three copies of one event, one effect"
    assert consumer.process(event) is False, "the inbox remembers the event"


def test_a_message_that_always_fails_ends_in_the_dead_letter_queue_and_can_be_replayed(
    db: Database, crm_settings: Settings, exchange: str, tenant_a: uuid.UUID
) -> None:
    def broken(session: object, event: CloudEvent) -> None:
        raise ValueError("handler bug")

    consumer = make_consumer(
        db, crm_settings, exchange=exchange, handlers=[Handler("sample.note.*", broken)]
    )
    consumer.declare_topology()
    with tenant_context(tenant_a):
        event = write_note_with_event(db, "poison")
    make_relay(db, crm_settings, exchange=exchange).publish_batch()

    dead_letters = consumer.name + DEAD_LETTER_SUFFIX
    with running(consumer.run):
        wait_until(lambda: queue_depth(crm_settings, dead_letters) == 1, message="dead-lettered")
    assert notes_count(db, tenant_a) == 1, "the failing handler changed nothing"

    connection = connect(crm_settings.amqp_url, name="test-inspect")
    channel = connection.channel()
    method, properties, body = channel.basic_get(dead_letters)
    assert method is not None
    assert json.loads(body)["id"] == event.id
    assert "handler bug" in properties.headers[ERROR_HEADER]
    channel.basic_nack(method.delivery_tag, requeue=True)
    connection.close()

    # Once the bug is fixed, the dead letters are replayed and applied.
    fixed = make_consumer(db, crm_settings, exchange=exchange)
    fixed.name = consumer.name
    assert replay_dead_letters(amqp_url=crm_settings.amqp_url, queue=consumer.name) == 1
    with running(fixed.run):
        wait_until(lambda: notes_count(db, tenant_a) == 2, message="replayed")


def test_an_unreadable_message_is_dead_lettered_at_once(
    db: Database, crm_settings: Settings, exchange: str
) -> None:
    consumer = make_consumer(db, crm_settings, exchange=exchange)
    consumer.declare_topology()
    connection = connect(crm_settings.amqp_url, name="test-publisher")
    connection.channel().basic_publish(exchange, "sample.note.created", b"not json {")
    connection.close()
    with running(consumer.run):
        wait_until(
            lambda: queue_depth(crm_settings, consumer.name + DEAD_LETTER_SUFFIX) == 1,
            message="dead-lettered",
        )


def rabbitmq(action: str) -> None:
    subprocess.run(
        ["bash", str(REPO / "scripts/servers/rabbitmq.sh"), action],
        check=True,
        timeout=180,
        capture_output=True,
    )


@pytest.mark.slow
def test_writes_commit_while_rabbitmq_is_down_and_every_event_arrives_after(
    db: Database, crm_settings: Settings, exchange: str, tenant_a: uuid.UUID
) -> None:
    consumer = make_consumer(db, crm_settings, exchange=exchange)
    consumer.declare_topology()
    relay = make_relay(db, crm_settings, exchange=exchange)
    with running(consumer.run), running(relay.run):
        with tenant_context(tenant_a):
            write_note_with_event(db, "before the outage")
        wait_until(lambda: notes_count(db, tenant_a) == 2, message="before the outage")

        rabbitmq("stop")
        try:
            with pytest.raises(pika.exceptions.AMQPConnectionError):
                connect(crm_settings.amqp_url, name="test-probe")
            with tenant_context(tenant_a):
                for i in range(50):
                    write_note_with_event(db, f"during the outage {i}")
            assert pending_in_outbox(db) == 50, "writes committed, events wait in the outbox"
        finally:
            rabbitmq("start")

        wait_until(lambda: pending_in_outbox(db) == 0, timeout=60, message="outbox drained")
        wait_until(lambda: notes_count(db, tenant_a) == 102, timeout=60, message="all applied")
    with tenant_context(tenant_a), db.tenant_session() as session:
        titles = session.scalars(select(Note.title).where(Note.title.like("during%"))).all()
    assert sorted(titles) == sorted(f"during the outage {i}" for i in range(50))
