"""The event tables stay small: published outbox rows and processed inbox ids go after their
retention; an event not yet published stays however old it is."""

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, insert, select

from crmkit.db import Database
from crmkit.events.housekeeping import prune_event_tables
from crmkit.events.models import InboxRecord, OutboxRecord

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


def outbox_row(label: str, created: datetime, published: datetime | None) -> dict[str, object]:
    event_id = uuid.uuid4()
    return {
        "event_id": event_id,
        "tenant_id": None,
        "routing_key": f"sample.note.{label}",
        "envelope": {"id": str(event_id)},
        "created_at": created,
        "published_at": published,
    }


def test_old_published_events_and_old_inbox_ids_are_pruned(db: Database) -> None:
    days = timedelta(days=1)
    with db.engine.begin() as connection:
        connection.execute(delete(OutboxRecord))
        connection.execute(delete(InboxRecord))
        connection.execute(
            insert(OutboxRecord),
            [
                outbox_row("published_long_ago", NOW - 10 * days, NOW - 10 * days),
                outbox_row("published_yesterday", NOW - 1 * days, NOW - 1 * days),
                outbox_row("never_published", NOW - 30 * days, None),
            ]
            + [outbox_row("bulk", NOW - 9 * days, NOW - 9 * days) for _ in range(7)],
        )
        connection.execute(
            insert(InboxRecord),
            [
                {
                    "consumer": consumer,
                    "event_id": uuid.uuid4(),
                    "event_type": "sample.note.created",
                    "processed_at": at,
                }
                for consumer, at in (
                    ("old", NOW - 30 * days),
                    ("old", NOW - 8 * days),
                    ("recent", NOW - 2 * days),
                )
            ],
        )
    removed = prune_event_tables(
        db.engine,
        now=NOW,
        outbox_retention=3 * days,
        inbox_retention=7 * days,
        batch=3,  # several batches
    )
    assert removed == (8, 2)
    with db.engine.connect() as connection:
        kept = set(connection.scalars(select(OutboxRecord.routing_key)))
        consumers = list(connection.scalars(select(InboxRecord.consumer)))
    assert kept == {"sample.note.published_yesterday", "sample.note.never_published"}
    assert consumers == ["recent"]
