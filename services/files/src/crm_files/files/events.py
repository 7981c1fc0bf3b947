"""What files consumes: a record's deletion, restoration or merge moves its files along.

Customers publishes `customers.customer.deleted|restored|merged` (the record as data;
`merged` carries the survivor and `merged_id`, the absorbed customer). A later owner that
publishes `<service>.<record type>.deleted|restored|merged` in the same shape is followed
by adding its record type to `FOLLOWED`.
"""

import uuid

from sqlalchemy.orm import Session

from crm_files.db import utcnow
from crm_files.files import service
from crmkit.events.consumer import Handler
from crmkit.events.envelope import CloudEvent

FOLLOWED = {"customers.customer": "customer", "customers.contact": "contact"}


def _record(event: CloudEvent) -> tuple[str, uuid.UUID]:
    prefix = event.type.rsplit(".", 1)[0]
    return FOLLOWED[prefix], uuid.UUID(str((event.data or {})["id"]))


def on_deleted(session: Session, event: CloudEvent) -> None:
    record_type, record_id = _record(event)
    service.follow_record_deleted(
        session, record_type=record_type, record_id=record_id, now=utcnow()
    )


def on_restored(session: Session, event: CloudEvent) -> None:
    record_type, record_id = _record(event)
    service.follow_record_restored(session, record_type=record_type, record_id=record_id)


def on_merged(session: Session, event: CloudEvent) -> None:
    record_type, survivor = _record(event)
    absorbed = uuid.UUID(str((event.data or {})["merged_id"]))
    service.follow_record_merged(
        session, record_type=record_type, from_id=absorbed, into_id=survivor, now=utcnow()
    )


def handlers() -> list[Handler]:
    return [
        Handler("customers.customer.deleted", on_deleted),
        Handler("customers.customer.restored", on_restored),
        Handler("customers.customer.merged", on_merged),
        Handler("customers.contact.deleted", on_deleted),
    ]
