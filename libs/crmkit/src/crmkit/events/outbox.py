"""Writing events: into the outbox, in the same transaction as the change they describe."""

import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from opentelemetry import propagate
from sqlalchemy import insert
from sqlalchemy.orm import Session

from crmkit.events.envelope import CloudEvent
from crmkit.events.models import OutboxRecord
from crmkit.settings import get_settings
from crmkit.tenancy import current_tenant_or_none


def record_event(
    session: Session, *, type: str, data: Mapping[str, Any], source: str | None = None
) -> CloudEvent:
    """Add `type` to the outbox; it leaves only if the session's transaction commits.

    The tenant and the trace context are taken from the current context, so a consumer's
    work continues the trace of the request that caused it.
    """
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    tenant_id = current_tenant_or_none()
    event = CloudEvent(
        type=type,
        source=source or f"/crm/{get_settings().service_name}",
        data=dict(data),
        tenantid=str(tenant_id) if tenant_id else None,
        traceparent=carrier.get("traceparent"),
        tracestate=carrier.get("tracestate"),
    )
    session.add(
        OutboxRecord(
            event_id=uuid.UUID(event.id),
            tenant_id=tenant_id,
            routing_key=event.type,
            envelope=event.to_dict(),
        )
    )
    return event


def record_events(
    session: Session, *, events: Sequence[tuple[str, Mapping[str, Any]]], source: str | None = None
) -> list[CloudEvent]:
    """Many `(type, data)` events in one INSERT, each exactly as `record_event` writes it.

    For bulk writers (an import of thousands of records): one statement instead of one
    ORM object per event. Rows are inserted at once, in the given order.
    """
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    tenant_id = current_tenant_or_none()
    written = [
        CloudEvent(
            type=type_,
            source=source or f"/crm/{get_settings().service_name}",
            data=dict(data),
            tenantid=str(tenant_id) if tenant_id else None,
            traceparent=carrier.get("traceparent"),
            tracestate=carrier.get("tracestate"),
        )
        for type_, data in events
    ]
    if written:
        session.execute(
            insert(OutboxRecord),
            [
                {
                    "event_id": uuid.UUID(event.id),
                    "tenant_id": tenant_id,
                    "routing_key": event.type,
                    "envelope": event.to_dict(),
                }
                for event in written
            ],
        )
    return written
