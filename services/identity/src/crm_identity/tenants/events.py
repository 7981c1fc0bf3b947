"""The provisioning saga's listener: every `<service>.tenant.provisioned` answer."""

from sqlalchemy.orm import Session

from crm_identity.tenants import service
from crmkit.events.consumer import Handler
from crmkit.events.envelope import CloudEvent


def on_tenant_provisioned(session: Session, event: CloudEvent) -> None:
    tenant_id = event.tenant_uuid
    if tenant_id is None:
        raise ValueError(f"{event.type} without a tenantid")
    answering = str(event.data.get("service") or event.type.split(".", 1)[0])
    service.mark_provisioned(session, tenant_id=tenant_id, service=answering)


def handlers() -> list[Handler]:
    # The platform schema holds the saga's state, so no tenant session is needed.
    return [Handler("*.tenant.provisioned", on_tenant_provisioned, tenant_schema=False)]
