from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm_identity.audit.models import AuditEvent
from crmkit.pagination import SortKey, page_of, paginate


def add(session: Session, event: AuditEvent) -> None:
    session.add(event)


def page(
    session: Session,
    *,
    action: str | None,
    actor_id: str | None,
    since: datetime | None,
    until: datetime | None,
    limit: int,
    cursor: str | None,
) -> tuple[list[AuditEvent], str | None]:
    query = select(AuditEvent)
    if action:
        query = query.where(AuditEvent.action == action)
    if actor_id:
        query = query.where(AuditEvent.actor_id == actor_id)
    if since:
        query = query.where(AuditEvent.occurred_at >= since)
    if until:
        query = query.where(AuditEvent.occurred_at < until)
    key = SortKey(AuditEvent.occurred_at.expression, AuditEvent.id.expression, descending=True)
    rows = session.scalars(paginate(query, key=key, limit=limit, cursor=cursor)).all()
    return page_of(rows, limit=limit, key_of=lambda e: (e.occurred_at, e.id))
