"""Saved views of the customer list (filters, sort, columns): private, or shared with the
owner's department (as identity last told us, through `identity.user.*`). Filters and sort
are checked with the list's own parser when saved, so a saved view always runs."""

import uuid

from sqlalchemy.orm import Session

from crm_customers.common.access import Caller
from crm_customers.customers import service as customers
from crm_customers.customers.models import SavedView
from crm_customers.db import utcnow
from crm_customers.staff import repository as staff
from crm_customers.views import repository
from crm_customers.views.schemas import ViewIn, ViewPatch
from crmkit.errors import InvalidInput, NotFound, PreconditionFailed

ENTITY = "customer"


def _me(caller: Caller) -> uuid.UUID:
    if caller.user_id is None:
        raise InvalidInput("saved views belong to users")
    return caller.user_id


def _check(session: Session, caller: Caller, filters: list[str], sort: str | None) -> None:
    customers.list_customers(
        session, caller=caller, filters=filters, sort=sort, limit=1, cursor=None, with_total=False
    )


def list_views(session: Session, *, caller: Caller) -> list[SavedView]:
    caller.require("view")
    me = _me(caller)
    member = staff.get(session, me)
    return repository.visible_to(
        session, user_id=me, department_id=member.department_id if member else None, entity=ENTITY
    )


def create_view(session: Session, *, caller: Caller, data: ViewIn) -> SavedView:
    caller.require("view")
    me = _me(caller)
    _check(session, caller, data.filters, data.sort)
    member = staff.get(session, me)
    view = SavedView(
        id=uuid.uuid4(),
        owner_id=me,
        department_id=member.department_id if member else None,
        entity=ENTITY,
        created_at=utcnow(),
        **data.model_dump(),
    )
    repository.add(session, view)
    return view


def _own(session: Session, caller: Caller, view_id: uuid.UUID) -> SavedView:
    view = repository.get(session, view_id)
    if view is None or view.owner_id != _me(caller):
        raise NotFound("no such view of yours")
    return view


def update_view(
    session: Session,
    *,
    caller: Caller,
    view_id: uuid.UUID,
    data: ViewPatch,
    expected_version: int | None,
) -> SavedView:
    view = _own(session, caller, view_id)
    if expected_version is not None and expected_version != view.version:
        raise PreconditionFailed("the view changed since you read it", version=view.version)
    changes = {k: v for k, v in data.model_dump(exclude_unset=True).items()}
    if "filters" in changes or "sort" in changes:
        _check(
            session,
            caller,
            changes.get("filters") or view.filters,
            changes["sort"] if "sort" in changes else view.sort,
        )
    for name, value in changes.items():
        if value is not None or name == "sort":
            setattr(view, name, value)
    session.flush()
    return view


def delete_view(session: Session, *, caller: Caller, view_id: uuid.UUID) -> None:
    repository.delete(session, _own(session, caller, view_id))
