"""What pools consume from identity: a disabled user's customers are handed over under the
tenant's policy; departments (their heads) are kept for that policy.

These handlers come before staff's in the consumer (only the first match runs), so they do
staff's work on the same events too: the user replica, the access epoch."""

import uuid

from sqlalchemy.orm import Session

from crm_customers.db import utcnow
from crm_customers.pools import handover, repository
from crm_customers.pools.models import OrgDepartment
from crm_customers.staff.events import forget_access, keep_user
from crmkit.events.consumer import Handler
from crmkit.events.envelope import CloudEvent


def _uuid(value: object) -> uuid.UUID | None:
    return uuid.UUID(str(value)) if value else None


def user_disabled(session: Session, event: CloudEvent) -> None:
    keep_user(session, event)
    user_id = _uuid((event.data or {}).get("id"))
    if user_id is not None:
        handover.hand_over_disabled(session, user_id=user_id, now=utcnow())


def keep_department(session: Session, event: CloudEvent) -> None:
    forget_access(session, event)
    data = event.data or {}
    department_id = _uuid(data.get("id"))
    if department_id is None:
        return
    known = repository.department(session, department_id)
    if event.type.endswith(".deleted"):
        if known is not None:
            session.delete(known)
        return
    version = int(data.get("version") or 0)
    if known is not None and known.version > version:
        return  # an older event arriving late
    if known is None:
        known = OrgDepartment(id=department_id, version=version)
        repository.add(session, known)
    known.parent_id = _uuid(data.get("parent_id"))
    known.head_user_id = _uuid(data.get("head_user_id"))
    known.version = version
    session.flush()


def handlers() -> list[Handler]:
    return [
        Handler("identity.user.disabled", user_disabled),
        Handler("identity.department.*", keep_department),
    ]
