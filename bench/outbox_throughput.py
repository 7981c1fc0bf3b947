"""Outbox relay and consumer throughput against the real PostgreSQL and RabbitMQ.

Writes N events to the outbox (one tenant, committed in batches), then measures:
- relay: events/s published to RabbitMQ with publisher confirms and marked sent;
- consumer: events/s applied through the inbox (one insert per event, idempotent).
Run with `make bench` (servers must be up: `make services`).
"""

import argparse
import threading
import time
import uuid
from pathlib import Path

from sqlalchemy import delete, func, select

from crmkit.db import Database, make_engine
from crmkit.events.consumer import EventConsumer, Handler
from crmkit.events.envelope import CloudEvent
from crmkit.events.models import InboxRecord, OutboxRecord
from crmkit.events.outbox import record_event
from crmkit.events.relay import OutboxRelay
from crmkit.migrations import MigrationStreams, provision_tenant, upgrade_platform
from crmkit.settings import Settings
from crmkit.tenancy import tenant_context
from crmkit.testing.databases import fresh_database

STREAMS = MigrationStreams(root=Path(__file__).parent / "sample_migrations")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=20_000)
    args = parser.parse_args()
    settings = Settings()
    url = settings.database_url_for("bench").replace("/crm_bench", "/test_bench_outbox")
    with fresh_database(url):
        pass
    engine = make_engine(url, pool_size=4)
    upgrade_platform(engine, STREAMS)
    db = Database(engine, required_tenant_revision=STREAMS.head("tenant"))
    tenant = uuid.uuid4()
    provision_tenant(engine, STREAMS, tenant)
    exchange = f"bench.events.{uuid.uuid4().hex[:6]}"

    applied = 0

    def count(_session: object, _event: CloudEvent) -> None:
        nonlocal applied
        applied += 1

    consumer = EventConsumer(
        db,
        name=f"bench-{uuid.uuid4().hex[:6]}",
        handlers=[Handler("bench.#", count)],
        amqp_url=settings.amqp_url,
        exchange=exchange,
        retry_delays_ms=[1000],
        prefetch=200,
    )
    consumer.declare_topology()

    with tenant_context(tenant):
        for start in range(0, args.events, 1000):
            with db.tenant_transaction() as session:
                for i in range(start, min(start + 1000, args.events)):
                    record_event(
                        session, type="bench.thing.created", data={"n": i}, source="/crm/bench"
                    )

    relay = OutboxRelay(engine, amqp_url=settings.amqp_url, exchange=exchange, batch_size=500)
    began = time.perf_counter()
    published = 0
    while published < args.events:
        published += relay.publish_batch()
    relay_seconds = time.perf_counter() - began
    relay.close()

    stop = threading.Event()
    began = time.perf_counter()
    thread = threading.Thread(target=consumer.run, args=(stop,), daemon=True)
    thread.start()
    with db.platform_session() as session:
        while (session.scalar(select(func.count()).select_from(InboxRecord)) or 0) < args.events:
            time.sleep(0.05)
            session.rollback()
    consumer_seconds = time.perf_counter() - began
    stop.set()
    thread.join()

    print(f"events: {args.events}")
    print(
        f"relay (publisher confirms): {args.events / relay_seconds:,.0f} events/s "
        f"({relay_seconds:.2f}s)"
    )
    print(
        f"consumer (inbox + handler, prefetch 200): {args.events / consumer_seconds:,.0f} "
        f"events/s ({consumer_seconds:.2f}s); handler ran {applied} times"
    )
    with engine.begin() as connection:
        connection.execute(delete(OutboxRecord))
    engine.dispose()


if __name__ == "__main__":
    main()
