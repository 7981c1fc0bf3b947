"""Keeps the event tables small: published outbox rows and old inbox rows are deleted after
their retention, a batch per short transaction.

The inbox only has to outlive redeliveries (the retry queues' back-off, a relay republishing
after a crash), so days are plenty; an event replayed from the dead-letter queue later was
never processed, so it is not in the inbox anyway.
"""

from datetime import datetime, timedelta

from sqlalchemy import Engine, delete, select, tuple_

from crmkit.events.models import InboxRecord, OutboxRecord
from crmkit.idempotency import IdempotencyRecord

BATCH = 5000


def prune_event_tables(
    engine: Engine,
    *,
    now: datetime,
    outbox_retention: timedelta,
    inbox_retention: timedelta,
    idempotency_retention: timedelta = timedelta(hours=24),
    batch: int = BATCH,
) -> tuple[int, int]:
    """Deletes what outlived its retention (and answers kept for `Idempotency-Key`
    retries); returns (outbox rows, inbox rows) removed."""
    removed = (
        _prune_outbox(engine, now - outbox_retention, batch),
        _prune_inbox(engine, now - inbox_retention, batch),
    )
    with engine.begin() as connection:
        connection.execute(
            delete(IdempotencyRecord).where(
                IdempotencyRecord.created_at < now - idempotency_retention
            )
        )
    return removed


def _prune_outbox(engine: Engine, cutoff: datetime, batch: int) -> int:
    removed = 0
    while True:
        with engine.begin() as connection:
            # Published rows are the oldest ids: walking the primary key finds them at once.
            ids = (
                select(OutboxRecord.id)
                .where(OutboxRecord.published_at.is_not(None), OutboxRecord.published_at < cutoff)
                .order_by(OutboxRecord.id)
                .limit(batch)
                .with_for_update(skip_locked=True)
            )
            count = connection.execute(
                delete(OutboxRecord).where(OutboxRecord.id.in_(ids))
            ).rowcount
        removed += count
        if count < batch:
            return removed


def _prune_inbox(engine: Engine, cutoff: datetime, batch: int) -> int:
    removed = 0
    while True:
        with engine.begin() as connection:
            keys = (
                select(InboxRecord.consumer, InboxRecord.event_id)
                .where(InboxRecord.processed_at < cutoff)
                .limit(batch)
                .with_for_update(skip_locked=True)
            )
            count = connection.execute(
                delete(InboxRecord).where(
                    tuple_(InboxRecord.consumer, InboxRecord.event_id).in_(keys)
                )
            ).rowcount
        removed += count
        if count < batch:
            return removed
