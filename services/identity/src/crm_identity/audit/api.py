from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query

from crm_identity.audit import service
from crm_identity.audit.schemas import AuditEventOut
from crm_identity.common.http import StaffWith
from crmkit.auth import Principal
from crmkit.http import TenantSession
from crmkit.pagination import Page

router = APIRouter(prefix="/api/v1/audit-events", tags=["audit"])


@router.get("")
def list_audit_events(
    session: TenantSession,
    _: Annotated[Principal, StaffWith("identity:view_audit")],
    action: str | None = None,
    actor_id: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: str | None = None,
) -> Page[AuditEventOut]:
    events, next_cursor = service.page(
        session,
        action=action,
        actor_id=actor_id,
        since=since,
        until=until,
        limit=limit,
        cursor=cursor,
    )
    return Page(items=[AuditEventOut.model_validate(e) for e in events], next_cursor=next_cursor)
