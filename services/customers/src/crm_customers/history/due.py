"""Announcing reminders that fell due: each open reminder is published once as
`customers.reminder.due` (for whatever notifies the user: the web console, mail, apps).

Batches are small and lock with `SKIP LOCKED`, so two workers running the pass at once
announce every reminder exactly once and never wait on each other.
"""

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm_customers.customers.events import publish
from crm_customers.customers.models import Customer
from crm_customers.history.models import Reminder

BATCH = 500


def announce_due(session: Session, *, now: datetime, batch: int = BATCH) -> int:
    """Announce up to `batch` reminders due by `now`; the caller commits, then calls again
    while the count is `batch`."""
    due = session.scalars(
        select(Reminder)
        .where(Reminder.announced_at.is_(None), Reminder.done.is_(False), Reminder.due_at <= now)
        .order_by(Reminder.due_at, Reminder.id)
        .limit(batch)
        .with_for_update(skip_locked=True)
    ).all()
    names = dict(
        session.execute(
            select(Customer.id, Customer.name).where(Customer.id.in_({r.customer_id for r in due}))
        )
        .tuples()
        .all()
    )
    for reminder in due:
        reminder.announced_at = now
        publish(
            session,
            "due",
            {
                "id": str(reminder.id),
                "user_id": str(reminder.user_id),
                "customer_id": str(reminder.customer_id),
                "customer_name": names.get(reminder.customer_id),
                "due_at": reminder.due_at.isoformat(),
                "note": reminder.note,
            },
            aggregate="reminder",
        )
    session.flush()
    return len(due)
