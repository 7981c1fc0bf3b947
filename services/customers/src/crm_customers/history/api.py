import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Query

from crm_customers.common.http import CurrentCaller, Limit
from crm_customers.history import service
from crm_customers.history.models import Reminder
from crm_customers.history.schemas import (
    ActivityIn,
    EntryOut,
    EntryPage,
    FeedbackIn,
    FollowUpIn,
    ReminderList,
    ReminderOut,
)
from crmkit.http import TenantSession

router = APIRouter(prefix="/api/v1", tags=["history"])
ERRORS: dict[int | str, dict[str, str]] = {
    404: {"description": "No such customer (or outside your data scope)"}
}


@router.get("/customers/{customer_id}/follow-ups", response_model=EntryPage, responses=ERRORS)
def list_follow_ups(
    customer_id: uuid.UUID,
    session: TenantSession,
    caller: CurrentCaller,
    limit: Limit = 20,
    cursor: str | None = None,
) -> EntryPage:
    items, next_cursor = service.timeline(
        session,
        caller=caller,
        customer_id=customer_id,
        entry_type=service.FOLLOW_UP,
        limit=limit,
        cursor=cursor,
    )
    return EntryPage(items=items, next_cursor=next_cursor)


@router.post(
    "/customers/{customer_id}/follow-ups",
    status_code=201,
    response_model=EntryOut,
    responses=ERRORS,
)
def add_follow_up(
    customer_id: uuid.UUID, data: FollowUpIn, session: TenantSession, caller: CurrentCaller
) -> EntryOut:
    entry = service.add_follow_up(session, caller=caller, customer_id=customer_id, data=data)
    return service.present(entry)


@router.post(
    "/customers/{customer_id}/activities",
    status_code=201,
    response_model=EntryOut,
    responses=ERRORS,
)
def add_activity(
    customer_id: uuid.UUID, data: ActivityIn, session: TenantSession, caller: CurrentCaller
) -> EntryOut:
    entry = service.add_activity(session, caller=caller, customer_id=customer_id, data=data)
    return service.present(entry)


@router.post(
    "/customers/{customer_id}/feedback", status_code=201, response_model=EntryOut, responses=ERRORS
)
def add_feedback(
    customer_id: uuid.UUID, data: FeedbackIn, session: TenantSession, caller: CurrentCaller
) -> EntryOut:
    entry = service.add_feedback(session, caller=caller, customer_id=customer_id, data=data)
    return service.present(entry)


@router.get("/customers/{customer_id}/timeline", response_model=EntryPage, responses=ERRORS)
def timeline(
    customer_id: uuid.UUID,
    session: TenantSession,
    caller: CurrentCaller,
    type: Annotated[Literal["follow_up", "activity", "feedback", "pool"] | None, Query()] = None,  # noqa: A002
    limit: Limit = 20,
    cursor: str | None = None,
) -> EntryPage:
    items, next_cursor = service.timeline(
        session, caller=caller, customer_id=customer_id, entry_type=type, limit=limit, cursor=cursor
    )
    return EntryPage(items=items, next_cursor=next_cursor)


def _reminder(r: Reminder) -> ReminderOut:
    return ReminderOut(
        id=r.id,
        customer_id=r.customer_id,
        user_id=r.user_id,
        due_at=r.due_at,
        interaction_id=r.interaction_id,
        note=r.note,
        done=r.done,
    )


@router.post("/tasks/{reminder_id}/done", response_model=ReminderOut)
def complete_reminder(
    reminder_id: uuid.UUID, session: TenantSession, caller: CurrentCaller
) -> ReminderOut:
    return _reminder(service.complete_reminder(session, caller=caller, reminder_id=reminder_id))


@router.get("/tasks", response_model=ReminderList)
def my_reminders(session: TenantSession, caller: CurrentCaller, done: bool = False) -> ReminderList:
    """The caller's follow-up reminders, soonest first."""
    reminders = service.my_reminders(session, caller=caller, done=done)
    return ReminderList(items=[_reminder(r) for r in reminders])
