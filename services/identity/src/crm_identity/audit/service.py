"""Writing and reading the security audit log."""

from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from crm_identity.audit import repository
from crm_identity.audit.models import AuditEvent
from crmkit.auth import Principal


def record(
    session: Session,
    *,
    action: str,
    actor: Principal | None = None,
    actor_id: str | None = None,
    target_type: str | None = None,
    target_id: object = None,
    ip: str | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    repository.add(
        session,
        AuditEvent(
            # The clock, not the transaction start, so events of one request keep their order.
            occurred_at=datetime.now(UTC),
            action=action,
            actor_kind=str(actor.kind) if actor else None,
            actor_id=actor.subject if actor else actor_id,
            target_type=target_type,
            target_id=str(target_id) if target_id is not None else None,
            ip=ip,
            details=details or {},
        ),
    )


def page(
    session: Session,
    *,
    action: str | None = None,
    actor_id: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 50,
    cursor: str | None = None,
) -> tuple[list[AuditEvent], str | None]:
    return repository.page(
        session,
        action=action,
        actor_id=actor_id,
        since=since,
        until=until,
        limit=limit,
        cursor=cursor,
    )
