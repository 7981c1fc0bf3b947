import uuid
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from crm_customers.contacts.models import Contact
from crm_customers.customers.models import Customer


def drop_custom_key(session: Session, key: str) -> None:
    session.execute(
        update(Contact)
        .where(Contact.custom.has_key(key))
        .values(custom=Contact.custom.op("-")(key))
    )


def get(session: Session, contact_id: uuid.UUID) -> Contact | None:
    return session.scalar(
        select(Contact).where(Contact.id == contact_id, Contact.deleted_at.is_(None))
    )


def of_customer(session: Session, customer_id: uuid.UUID) -> list[Contact]:
    return list(
        session.scalars(
            select(Contact)
            .where(Contact.customer_id == customer_id, Contact.deleted_at.is_(None))
            .order_by(Contact.is_primary.desc(), Contact.created_at, Contact.id)
        )
    )


def of_customers(session: Session, customer_ids: list[uuid.UUID]) -> list[Contact]:
    return list(
        session.scalars(
            select(Contact)
            .where(Contact.customer_id.in_(customer_ids), Contact.deleted_at.is_(None))
            .order_by(Contact.created_at, Contact.id)
        )
    )


def add(session: Session, contact: Contact) -> None:
    session.add(contact)
    session.flush()


def clear_primary(session: Session, customer_id: uuid.UUID, *, keep: uuid.UUID | None) -> None:
    query = update(Contact).where(Contact.customer_id == customer_id, Contact.is_primary.is_(True))
    if keep is not None:
        query = query.where(Contact.id != keep)
    session.execute(query.values(is_primary=False, version=Contact.version + 1))


def move_all(session: Session, *, from_customer: uuid.UUID, to_customer: uuid.UUID) -> None:
    session.execute(
        update(Contact)
        .where(Contact.customer_id == from_customer)
        .values(customer_id=to_customer, is_primary=False, version=Contact.version + 1)
    )


def live_with_customers(
    session: Session, *, after: uuid.UUID | None, updated_since: datetime | None, limit: int
) -> list[tuple[Contact, Customer]]:
    """Live contacts of live customers, by id after `after` (a re-indexing page)."""
    query = (
        select(Contact, Customer)
        .join(Customer, Customer.id == Contact.customer_id)
        .where(
            Contact.deleted_at.is_(None),
            Customer.deleted_at.is_(None),
            Customer.merged_into_id.is_(None),
        )
        .order_by(Contact.id)
        .limit(limit)
    )
    if after is not None:
        query = query.where(Contact.id > after)
    if updated_since is not None:
        query = query.where(Contact.updated_at >= updated_since)
    return [(contact, customer) for contact, customer in session.execute(query).tuples()]
