"""Builders for event tests: a consumer running in a thread, and polling helpers."""

import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crmkit.db import Database
from crmkit.events.consumer import EventConsumer, Handler
from crmkit.events.envelope import CloudEvent
from crmkit.events.relay import OutboxRelay
from crmkit.settings import Settings
from crmkit.tenancy import tenant_context

from .sample.models import Note


def note_from_event(session: Session, event: CloudEvent) -> None:
    session.add(Note(title=str(event.data["title"])))


def notes_count(db: Database, tenant_id: uuid.UUID) -> int:
    with tenant_context(tenant_id), db.tenant_session() as session:
        return int(session.scalar(select(func.count()).select_from(Note)) or 0)


def wait_until(condition: Callable[[], bool], *, timeout: float = 20, message: str = "") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout}s waiting: {message}")


def make_consumer(
    db: Database,
    settings: Settings,
    *,
    exchange: str,
    handlers: list[Handler] | None = None,
    retry_delays_ms: list[int] | None = None,
) -> EventConsumer:
    return EventConsumer(
        db,
        name=f"test-{uuid.uuid4().hex[:10]}",
        handlers=handlers or [Handler("sample.note.*", note_from_event)],
        amqp_url=settings.amqp_url,
        exchange=exchange,
        retry_delays_ms=retry_delays_ms if retry_delays_ms is not None else [50, 100],
    )


def make_relay(db: Database, settings: Settings, *, exchange: str) -> OutboxRelay:
    return OutboxRelay(db.engine, amqp_url=settings.amqp_url, exchange=exchange, batch_size=200)


@contextmanager
def running(target: Callable[[threading.Event], None]) -> Iterator[threading.Event]:
    stop = threading.Event()
    thread = threading.Thread(target=target, args=(stop,), daemon=True)
    thread.start()
    try:
        yield stop
    finally:
        stop.set()
        thread.join(timeout=15)
