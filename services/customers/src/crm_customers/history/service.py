"""A customer's history: follow-ups (which move its last and next follow-up times and
remind its owner), activities and feedback, all on one timeline, newest first."""

import uuid
from datetime import datetime

from sqlalchemy.orm import Session

from crm_customers.common.access import Caller
from crm_customers.contacts import repository as contacts
from crm_customers.customers import service as customers
from crm_customers.customers.events import customer_data, publish
from crm_customers.db import utcnow
from crm_customers.history import repository
from crm_customers.history.models import Interaction, Reminder
from crm_customers.history.schemas import ActivityIn, EntryOut, FeedbackIn, FollowUpIn
from crm_customers.insights import potential
from crmkit.errors import InvalidInput, NotFound
from crmkit.pagination import SortKey, encode_cursor, paginate

FOLLOW_UP, ACTIVITY, FEEDBACK = "follow_up", "activity", "feedback"


def present(entry: Interaction) -> EntryOut:
    return EntryOut(
        id=entry.id,
        customer_id=entry.customer_id,
        type=entry.entry_type,
        kind=entry.kind,
        title=entry.title,
        content=entry.content,
        at=entry.at,
        contact_id=entry.contact_id,
        attachment_ids=[uuid.UUID(a) for a in entry.attachment_ids],
        next_follow_up_at=entry.next_follow_up_at,
        rating=entry.rating,
        created_by=entry.created_by,
        created_at=entry.created_at,
    )


def _check_contact(session: Session, customer_id: uuid.UUID, contact_id: uuid.UUID | None) -> None:
    if contact_id is None:
        return
    contact = contacts.get(session, contact_id)
    if contact is None or contact.customer_id != customer_id:
        raise InvalidInput.on_field("contact_id", "not a contact of this customer")


def _aware(name: str, value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:
        raise InvalidInput.on_field(name, "must carry a time zone offset")
    return value


def add_follow_up(
    session: Session, *, caller: Caller, customer_id: uuid.UUID, data: FollowUpIn
) -> Interaction:
    customer = customers.for_update(session, caller=caller, customer_id=customer_id)
    _check_contact(session, customer.id, data.contact_id)
    at = _aware("at", data.at) or utcnow()
    next_at = _aware("next_follow_up_at", data.next_follow_up_at)
    if next_at is not None and next_at <= at:
        raise InvalidInput.on_field("next_follow_up_at", "must be after the follow-up")
    entry = Interaction(
        id=uuid.uuid4(),
        customer_id=customer.id,
        entry_type=FOLLOW_UP,
        kind=data.kind.value,
        content=data.content,
        at=at,
        contact_id=data.contact_id,
        attachment_ids=[str(a) for a in data.attachment_ids],
        next_follow_up_at=next_at,
        created_by=caller.user_id,
        created_at=utcnow(),
    )
    repository.add(session, entry)
    if next_at is not None and customer.owner_id is not None:
        repository.add(
            session,
            Reminder(
                customer_id=customer.id,
                user_id=customer.owner_id,
                due_at=next_at,
                interaction_id=entry.id,
                note=f"Follow up {customer.name}",
                done=False,
            ),
        )
    customers.touch_follow_up(session, caller=caller, customer=customer, at=at, next_at=next_at)
    potential.recompute(session, customer)
    publish(
        session,
        "created",
        {
            **present(entry).model_dump(mode="json"),
            "customer": customer_data(customer),
        },
        aggregate="followup",
    )
    return entry


def add_activity(
    session: Session, *, caller: Caller, customer_id: uuid.UUID, data: ActivityIn
) -> Interaction:
    customer = customers.for_update(session, caller=caller, customer_id=customer_id)
    entry = Interaction(
        id=uuid.uuid4(),
        customer_id=customer.id,
        entry_type=ACTIVITY,
        kind=data.kind.value,
        title=data.title,
        content=data.content,
        at=_aware("at", data.at),
        attachment_ids=[str(a) for a in data.attachment_ids],
        created_by=caller.user_id,
        created_at=utcnow(),
    )
    repository.add(session, entry)
    potential.recompute(session, customer)
    publish(session, "created", present(entry).model_dump(mode="json"), aggregate="activity")
    return entry


def add_feedback(
    session: Session, *, caller: Caller, customer_id: uuid.UUID, data: FeedbackIn
) -> Interaction:
    customer = customers.for_update(session, caller=caller, customer_id=customer_id)
    _check_contact(session, customer.id, data.contact_id)
    entry = Interaction(
        id=uuid.uuid4(),
        customer_id=customer.id,
        entry_type=FEEDBACK,
        kind="feedback",
        content=data.content,
        rating=data.rating,
        at=_aware("at", data.at) or utcnow(),
        contact_id=data.contact_id,
        created_by=caller.user_id,
        created_at=utcnow(),
    )
    repository.add(session, entry)
    publish(session, "created", present(entry).model_dump(mode="json"), aggregate="feedback")
    return entry


def timeline(
    session: Session,
    *,
    caller: Caller,
    customer_id: uuid.UUID,
    entry_type: str | None,
    limit: int,
    cursor: str | None,
) -> tuple[list[EntryOut], str | None]:
    customer = customers.visible(session, caller=caller, customer_id=customer_id)
    query = paginate(
        repository.of_customer(customer.id, entry_type),
        key=SortKey(Interaction.at.expression, Interaction.id.expression, descending=True),
        limit=limit,
        cursor=cursor,
    )
    found = repository.entries(session, query)
    items = found[:limit]
    next_cursor = encode_cursor([items[-1].at, items[-1].id]) if len(found) > limit else None
    return [present(e) for e in items], next_cursor


def my_reminders(session: Session, *, caller: Caller, done: bool) -> list[Reminder]:
    caller.require("view")
    if caller.user_id is None:
        return []
    return repository.reminders_of(session, caller.user_id, done=done)


def complete_reminder(session: Session, *, caller: Caller, reminder_id: uuid.UUID) -> Reminder:
    """Only the reminded user marks a reminder done."""
    reminder = repository.reminder(session, reminder_id)
    if reminder is None or caller.user_id is None or reminder.user_id != caller.user_id:
        raise NotFound("no such reminder of yours")
    reminder.done = True
    session.flush()
    return reminder
