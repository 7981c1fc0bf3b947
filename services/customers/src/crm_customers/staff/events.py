"""What customers consumes from identity: users (their department, for owners' departments
and views shared with a department), and every change that alters who sees what, which
drops the cached grants and visible owners of the tenant at once."""

import uuid

from sqlalchemy.orm import Session

from crm_customers.staff import repository
from crm_customers.staff.models import StaffMember
from crmkit.events.consumer import Handler
from crmkit.events.envelope import CloudEvent


def _uuid(value: object) -> uuid.UUID | None:
    return uuid.UUID(str(value)) if value else None


def keep_user(session: Session, event: CloudEvent) -> None:
    data = event.data or {}
    user_id = uuid.UUID(str(data["id"]))
    version = int(data.get("version") or 0)
    member = repository.get(session, user_id)
    if member is not None and member.version > version:
        return  # an older event arriving late
    if member is None:
        member = StaffMember(id=user_id, name="", status="", version=version)
        repository.add(session, member)
    member.name = str(data.get("name") or "")
    member.department_id = _uuid(data.get("department_id"))
    member.status = str(data.get("status") or "")
    member.version = version
    forget_access(session, event)


def forget_access(session: Session, event: CloudEvent) -> None:
    """Move the tenant's access epoch: every API process drops its cached answers."""
    repository.bump_access_epoch(session)


def handlers() -> list[Handler]:
    return [
        Handler("identity.user.*", keep_user),
        Handler("identity.role.changed", forget_access),
        Handler("identity.department.*", forget_access),
    ]
