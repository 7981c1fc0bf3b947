import uuid
from typing import Any

from sqlalchemy import Select, select, update
from sqlalchemy.orm import Session

from crm_customers.history.models import Interaction, Reminder


def add(session: Session, item: Interaction | Reminder) -> None:
    session.add(item)
    session.flush()


def entries(session: Session, query: Select[Any]) -> list[Interaction]:
    return list(session.scalars(query))


def of_customer(customer_id: uuid.UUID, entry_type: str | None) -> Select[Any]:
    query = select(Interaction).where(Interaction.customer_id == customer_id)
    if entry_type is not None:
        query = query.where(Interaction.entry_type == entry_type)
    return query


def reminders_of(session: Session, user_id: uuid.UUID, *, done: bool) -> list[Reminder]:
    return list(
        session.scalars(
            select(Reminder)
            .where(Reminder.user_id == user_id, Reminder.done.is_(done))
            .order_by(Reminder.due_at, Reminder.id)
            .limit(200)
        )
    )


def move_all(session: Session, *, from_customer: uuid.UUID, to_customer: uuid.UUID) -> None:
    session.execute(
        update(Interaction)
        .where(Interaction.customer_id == from_customer)
        .values(customer_id=to_customer)
    )
    session.execute(
        update(Reminder)
        .where(Reminder.customer_id == from_customer)
        .values(customer_id=to_customer)
    )


def reminder(session: Session, reminder_id: uuid.UUID) -> Reminder | None:
    return session.get(Reminder, reminder_id)
