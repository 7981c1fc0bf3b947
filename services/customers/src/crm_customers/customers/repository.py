import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Select, String, and_, cast, func, or_, select, update
from sqlalchemy.dialects.postgresql import ARRAY, array
from sqlalchemy.orm import Session

from crm_customers.common.bridging import other_script
from crm_customers.customers.models import Customer, CustomerChange, TenantSetting
from crmkit.tenancy import current_tenant


def get(session: Session, customer_id: uuid.UUID, *, for_update: bool = False) -> Customer | None:
    query = select(Customer).where(Customer.id == customer_id)
    if for_update:
        query = query.with_for_update()
    return session.scalar(query)


def get_many(session: Session, ids: Sequence[uuid.UUID]) -> list[Customer]:
    return list(session.scalars(select(Customer).where(Customer.id.in_(list(ids)))))


def add(session: Session, customer: Customer) -> None:
    session.add(customer)
    session.flush()


def live() -> Select[Any]:
    return select(Customer).where(Customer.deleted_at.is_(None), Customer.merged_into_id.is_(None))


def deleted() -> Select[Any]:
    return select(Customer).where(
        Customer.deleted_at.is_not(None), Customer.merged_into_id.is_(None)
    )


def rows(session: Session, query: Select[Any]) -> list[Any]:
    return list(session.execute(query).all())


def _text_array(values: Sequence[str]) -> Any:
    return cast(array(list(values)), ARRAY(String))


def serialise_writers_of(session: Session, keys: Sequence[str]) -> None:
    """Two transactions writing the same duplicate key (a company name, a phone) take turns
    until commit, so the second one's duplicate check sees the first one's customer. The
    locks are per tenant (its id is part of the key) and taken in one order."""
    tenant = str(current_tenant())
    for key in sorted(set(keys)):
        session.execute(
            select(func.pg_advisory_xact_lock(func.hashtextextended(f"{tenant}:{key}", 0)))
        )


def likely_duplicates(
    session: Session,
    *,
    kind: str,
    name_key: str | None,
    bridge_key: str | None = None,
    phones: Sequence[str],
    emails: Sequence[str],
    exclude: uuid.UUID | None = None,
    limit: int = 5,
) -> list[Customer]:
    conditions: list[ColumnElement[bool]] = []
    if name_key:
        conditions.append(and_(Customer.kind == kind, Customer.name_key == name_key))
    if bridge_key:  # the same name written in the other script
        conditions.append(Customer.name_bridge_key == other_script(bridge_key))
    if phones:
        conditions.append(
            and_(Customer.kind == "person", Customer.phones.has_any(_text_array(phones)))
        )
    if emails:
        conditions.append(Customer.emails.has_any(_text_array(emails)))
    if not conditions:
        return []
    query = live().where(or_(*conditions)).order_by(Customer.created_at).limit(limit)
    if exclude is not None:
        query = query.where(Customer.id != exclude)
    return list(session.scalars(query))


def add_change(session: Session, change: CustomerChange) -> None:
    session.add(change)


def changes(session: Session, query: Select[Any]) -> list[CustomerChange]:
    return list(session.scalars(query))


def setting(session: Session, key: str) -> TenantSetting | None:
    return session.get(TenantSetting, key)


def save_setting(session: Session, item: TenantSetting) -> None:
    session.add(item)
    session.flush()


def drop_custom_key(session: Session, key: str) -> None:
    session.execute(
        update(Customer)
        .where(Customer.custom.has_key(key))
        .values(custom=Customer.custom.op("-")(key))
    )


def name_key_groups(session: Session, visible: ColumnElement[bool], limit: int) -> list[str]:
    query = (
        select(Customer.name_key)
        .where(Customer.deleted_at.is_(None), Customer.merged_into_id.is_(None), visible)
        .where(Customer.kind == "company")
        .group_by(Customer.name_key)
        .having(func.count() > 1)
        .order_by(Customer.name_key)
        .limit(limit)
    )
    return list(session.scalars(query))


def phone_groups(session: Session, visible: ColumnElement[bool], limit: int) -> list[str]:
    phone = func.jsonb_array_elements_text(Customer.phones).table_valued("value").alias("p")
    query = (
        select(phone.c.value)
        .select_from(Customer)
        .join(phone, phone.c.value.is_not(None))
        .where(Customer.deleted_at.is_(None), Customer.merged_into_id.is_(None), visible)
        .where(Customer.kind == "person")
        .group_by(phone.c.value)
        .having(func.count() > 1)
        .order_by(phone.c.value)
        .limit(limit)
    )
    return list(session.scalars(query))


def redirect_merged(session: Session, *, loser: uuid.UUID, survivor: uuid.UUID) -> None:
    """Earlier merges into the loser now point at the survivor (one hop, always)."""
    session.execute(
        update(Customer).where(Customer.merged_into_id == loser).values(merged_into_id=survivor)
    )
