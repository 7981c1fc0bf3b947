"""Identity's access-changing events move the tenant's epoch; every search API process
reads it with each request (`crm_search.search.api`) and drops the tenant's cached grants
and visible owners when it moved, so a role, user or department change applies at once
rather than after `CRM_ACCESS_CACHE_SECONDS`."""

import uuid

from sqlalchemy.orm import Session

from crm_search.epochs import repository
from crmkit.events.consumer import Handler
from crmkit.events.envelope import CloudEvent


def move_epoch(session: Session, event: CloudEvent) -> None:
    if event.tenantid is None:
        return
    repository.bump(session, uuid.UUID(str(event.tenantid)))


def handlers() -> list[Handler]:
    return [
        Handler(pattern, move_epoch, tenant_schema=False)
        for pattern in ("identity.user.*", "identity.role.changed", "identity.department.*")
    ]
