"""Helpers for the map, care and potential tests: sales events built by hand (sales does not
publish them yet) and the daily jobs run for one tenant, as the worker would."""

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

from customers_testkit import Org
from sqlalchemy.orm import Session

from crmkit.events.envelope import CloudEvent
from crmkit.tenancy import tenant_context

T = TypeVar("T")


def sales_event(org: Org, type_: str, data: dict[str, Any], *, at: datetime | None = None) -> int:
    """Hand `type_` (a `sales.*` event of `org`'s tenant) to the customers consumer."""
    event = CloudEvent(
        type=type_,
        source="/crm/sales",
        tenantid=org.tenant_id,
        data=data,
        time=(at or datetime.now(UTC)).isoformat(),
    )
    return org.world.consumer.process(event)


def in_tenant(org: Org, work: Callable[[Session], T]) -> T:
    """`work` in one transaction of `org`'s tenant schema, as a Celery task runs."""
    with tenant_context(uuid.UUID(org.tenant_id)), org.world.db.tenant_transaction() as session:
        return work(session)


def score_of(org: Org, customer_id: str, as_: str = "admin") -> dict[str, Any]:
    response = org.get(f"/api/v1/customers/{customer_id}/potential", as_=as_)
    assert response.status_code == 200, response.text
    body = dict(response.json())
    body["points"] = {p["part"]: p["points"] for p in body["parts"]}
    return body
