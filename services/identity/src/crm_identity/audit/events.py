"""Security events other services report: an export leaves its owner as
`<service>.<aggregate>.exported` and lands in the tenant's audit log here."""

from sqlalchemy.orm import Session

from crm_identity.audit import service
from crmkit.events.consumer import Handler
from crmkit.events.envelope import CloudEvent


def on_exported(session: Session, event: CloudEvent) -> None:
    data = event.data
    service.record(
        session,
        action="export",
        actor_id=str(data["actor_id"]) if data.get("actor_id") else None,
        target_type=event.type.rsplit(".", 1)[0],
        target_id=data.get("export_id") or data.get("id"),
        details={"event_id": event.id, "source": event.source, **data},
    )


def handlers() -> list[Handler]:
    return [Handler("*.*.exported", on_exported)]
