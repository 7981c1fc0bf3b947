"""What the potential score consumes from sales: opportunities (deal value) and payments.

Expected `data` (sales owns the records; customers keeps what the score needs):
`sales.opportunity.*` → `{id, customer_id, amount, status: open|won|lost}`;
`sales.payment.*` → `{id, customer_id, amount, status: received|refunded|cancelled}`
(status `received` when absent). A `*.deleted` event drops the record from the score.
An older event arriving after a newer one for the same record changes nothing.
"""

import uuid
from datetime import datetime
from decimal import Decimal

from sqlalchemy.orm import Session

from crm_customers.insights import potential, repository
from crm_customers.insights.models import SalesOpportunity, SalesPayment
from crmkit.events.consumer import Handler
from crmkit.events.envelope import CloudEvent

DELETED = "deleted"


def _keep(
    session: Session,
    event: CloudEvent,
    model: type[SalesOpportunity] | type[SalesPayment],
    default_status: str,
) -> None:
    data = event.data or {}
    customer_id = repository.survivor_of(session, uuid.UUID(str(data["customer_id"])))
    verb = event.type.rsplit(".", 1)[-1]
    status = DELETED if verb == DELETED else str(data.get("status") or default_status).lower()
    previous = repository.keep_sales_record(
        session,
        model,
        record_id=uuid.UUID(str(data["id"])),
        customer_id=customer_id,
        amount=Decimal(str(data.get("amount") or 0)),
        status=status,
        event_time=datetime.fromisoformat(event.time),
    )
    potential.recompute_ids(session, [customer_id, *([previous] if previous else [])])


def keep_opportunity(session: Session, event: CloudEvent) -> None:
    _keep(session, event, SalesOpportunity, "open")


def keep_payment(session: Session, event: CloudEvent) -> None:
    _keep(session, event, SalesPayment, "received")


def handlers() -> list[Handler]:
    return [
        Handler("sales.opportunity.*", keep_opportunity),
        Handler("sales.payment.*", keep_payment),
    ]
