import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, insert, select, update
from sqlalchemy.orm import Session

from crm_customers.customers.models import Customer
from crm_customers.pools.models import OrgDepartment, Pool, PoolMove
from crmkit.tenancy import current_tenant

CLAIMED = "claimed"
LOST_TO_POOL = ("pooled", "released", "handed_over")


def get(session: Session, pool_id: uuid.UUID, *, for_update: bool = False) -> Pool | None:
    query = select(Pool).where(Pool.id == pool_id)
    if for_update:
        query = query.with_for_update()
    return session.scalar(query)


def default_pool(session: Session) -> Pool | None:
    return session.scalar(select(Pool).where(Pool.is_default.is_(True)))


def all_pools(session: Session) -> list[Pool]:
    return list(session.scalars(select(Pool).order_by(Pool.is_default.desc(), Pool.name)))


def by_name(session: Session, name: str) -> Pool | None:
    return session.scalar(select(Pool).where(func.lower(Pool.name) == name.lower()))


def add(session: Session, item: Pool | PoolMove | OrgDepartment) -> None:
    session.add(item)
    session.flush()


def add_all(session: Session, items: Sequence[Any]) -> None:
    session.add_all(items)
    session.flush()


def unset_default(session: Session) -> None:
    session.execute(update(Pool).where(Pool.is_default.is_(True)).values(is_default=False))


def customer_counts(session: Session) -> dict[uuid.UUID, int]:
    query = (
        select(Customer.pool_id, func.count())
        .where(
            Customer.pool_id.is_not(None),
            Customer.pool_trashed_at.is_(None),
            Customer.deleted_at.is_(None),
            Customer.merged_into_id.is_(None),
        )
        .group_by(Customer.pool_id)
    )
    return {pool_id: count for pool_id, count in session.execute(query).all()}


def in_pool(pool_id: uuid.UUID, *, trashed: bool) -> Select[Any]:
    trash = Customer.pool_trashed_at.is_not(None) if trashed else Customer.pool_trashed_at.is_(None)
    return select(Customer).where(
        Customer.pool_id == pool_id,
        trash,
        Customer.deleted_at.is_(None),
        Customer.merged_into_id.is_(None),
    )


def customers_for_update(session: Session, ids: Sequence[uuid.UUID]) -> list[Customer]:
    """Locked in id order, so two bulk moves over the same customers cannot deadlock."""
    query = select(Customer).where(Customer.id.in_(list(ids))).order_by(Customer.id)
    return list(session.scalars(query.with_for_update()))


def serialise_claims_of(session: Session, user_id: uuid.UUID) -> None:
    """One claim or assignment at a time per user and tenant, until commit, so the limit
    counts below see every earlier claim (two tabs or two managers cannot pass a limit)."""
    key = f"pool-claims:{current_tenant()}:{user_id}"
    session.execute(select(func.pg_advisory_xact_lock(func.hashtextextended(key, 0))))


def claims_since(
    session: Session, *, user_id: uuid.UUID, pool_id: uuid.UUID, since: datetime
) -> int:
    query = select(func.count()).where(
        PoolMove.to_owner_id == user_id,
        PoolMove.action == CLAIMED,
        PoolMove.pool_id == pool_id,
        PoolMove.at >= since,
    )
    return int(session.scalar(query) or 0)


def owned_count(session: Session, user_id: uuid.UUID) -> int:
    query = select(func.count()).where(
        Customer.owner_id == user_id,
        Customer.deleted_at.is_(None),
        Customer.merged_into_id.is_(None),
    )
    return int(session.scalar(query) or 0)


def last_lost(session: Session, *, customer_id: uuid.UUID, user_id: uuid.UUID) -> datetime | None:
    """When `user_id` last lost this customer to a pool."""
    query = select(func.max(PoolMove.at)).where(
        PoolMove.customer_id == customer_id,
        PoolMove.from_owner_id == user_id,
        PoolMove.action.in_(LOST_TO_POOL),
    )
    return session.scalar(query)


def department(session: Session, department_id: uuid.UUID) -> OrgDepartment | None:
    return session.get(OrgDepartment, department_id)


def owned_by(session: Session, user_id: uuid.UUID) -> Select[Any]:
    return select(Customer).where(
        Customer.owner_id == user_id,
        Customer.deleted_at.is_(None),
        Customer.merged_into_id.is_(None),
    )


def ids(session: Session, query: Select[Any]) -> list[uuid.UUID]:
    return list(session.scalars(query))


def customers(session: Session, query: Select[Any]) -> list[Customer]:
    return list(session.scalars(query))


def update_customers(session: Session, ids: Sequence[uuid.UUID], values: dict[str, Any]) -> None:
    """Write the same `values` to every customer in `ids` (locked by the caller), each one's
    version moving by one."""
    if not ids:
        return
    session.execute(
        update(Customer)
        .where(Customer.id.in_(list(ids)))
        .values(**values, version=Customer.version + 1)
        .execution_options(synchronize_session=False)
    )


def insert_rows(session: Session, model: type[Any], rows: list[dict[str, Any]]) -> None:
    if rows:
        session.execute(insert(model), rows)
