"""Automatic reclaim: customers with no follow-up for N days (or no deal for M days, N and M
per level) go back to their pool, after their owner was reminded K days before.

One pass per pool walks the candidates in id order, reading without locks, and moves them
in small batches, each its own short transaction that locks only its rows (`FOR UPDATE SKIP
LOCKED`, the conditions checked again under the lock). A row someone else holds is left for
the next pass, so passes may run twice or at once: every customer moves once.

Reclaim needs the reminder for the current deadline to have gone out (when the pool reminds
at all), so an owner is never surprised: a customer found overdue without one is reminded
in this pass and reclaimed in the next.
"""

import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, literal, or_, select, update
from sqlalchemy.orm import Session

from crm_customers.customers.events import publish
from crm_customers.customers.models import Customer
from crm_customers.history.models import Reminder
from crm_customers.pools import repository
from crm_customers.pools.models import Pool
from crm_customers.pools.schemas import PoolRules
from crm_customers.pools.service import move_many, rules_of
from crmkit.db import Database

BatchObserver = Callable[[str, int, float], None]  # (phase, rows, seconds held)


@dataclass
class PassResult:
    reclaimed: int = 0
    reminded: int = 0
    batches: int = 0
    longest_batch_seconds: float = 0.0
    batch_seconds: list[float] = field(default_factory=list)

    def observe(self, seconds: float) -> None:
        self.batches += 1
        self.batch_seconds.append(seconds)
        self.longest_batch_seconds = max(self.longest_batch_seconds, seconds)


def _days(level_days: dict[str, int]) -> ColumnElement[Any] | None:
    if not level_days:
        return None
    levels = {k: v for k, v in level_days.items() if k != "*"}
    default = level_days.get("*")
    if not levels:
        return literal(default)
    return case(levels, value=Customer.level, else_=literal(default))


def deadline(rules: PoolRules) -> ColumnElement[Any] | None:
    """When the customer falls due: counted from its last follow-up (or deal), or from when
    its owner got it if later, whichever rule comes first. NULL: never."""
    since_owned = func.coalesce(Customer.owned_since, Customer.created_at)
    parts = []
    for days, last in (
        (_days(rules.no_follow_up_days), Customer.last_follow_up_at),
        (_days(rules.no_deal_days), Customer.last_deal_at),
    ):
        if days is not None:
            parts.append(func.greatest(since_owned, last) + func.make_interval(0, 0, 0, days))
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else func.least(*parts)


def _candidates(pool: Pool, rules: PoolRules) -> list[ColumnElement[bool]]:
    home = Customer.home_pool_id == pool.id
    if pool.is_default:
        home = or_(home, Customer.home_pool_id.is_(None))
    conditions = [
        Customer.owner_id.is_not(None),
        Customer.pool_id.is_(None),
        Customer.deleted_at.is_(None),
        Customer.merged_into_id.is_(None),
        home,
    ]
    if rules.exempt_deal_in_progress:
        conditions.append(Customer.deal_in_progress.is_(False))
    if rules.exempt_locked:
        conditions.append(Customer.reclaim_locked.is_(False))
    return conditions


def _reclaim_due(rules: PoolRules, due: ColumnElement[Any], now: datetime) -> ColumnElement[bool]:
    if rules.remind_days_before == 0:
        return due <= now
    window = due - timedelta(days=rules.remind_days_before)
    return and_(due <= now, Customer.reclaim_reminded_at >= window)


def _remind_due(rules: PoolRules, due: ColumnElement[Any], now: datetime) -> ColumnElement[bool]:
    window = due - timedelta(days=rules.remind_days_before)
    return and_(
        window <= now,
        or_(Customer.reclaim_reminded_at.is_(None), Customer.reclaim_reminded_at < window),
    )


def _walk(
    db: Database,
    conditions: list[ColumnElement[bool]],
    batch_size: int,
    apply: Callable[[Session, list[uuid.UUID]], int],
    result: PassResult,
    observe: BatchObserver | None,
    phase: str,
) -> int:
    done = 0
    after: uuid.UUID | None = None
    while True:
        query = select(Customer.id).where(*conditions).order_by(Customer.id).limit(batch_size)
        if after is not None:
            query = query.where(Customer.id > after)
        with db.tenant_session() as session:
            ids = repository.ids(session, query)
        if not ids:
            return done
        after = ids[-1]
        began = time.perf_counter()
        with db.tenant_transaction() as session:
            moved = apply(session, ids)
        held = time.perf_counter() - began
        result.observe(held)
        if observe is not None:
            observe(phase, moved, held)
        done += moved


def _locked(session: Session, ids: list[uuid.UUID], conditions: list[ColumnElement[bool]]) -> Any:
    return (
        select(Customer)
        .where(Customer.id.in_(ids), *conditions)
        .order_by(Customer.id)
        .with_for_update(skip_locked=True)
    )


def reclaim_pool(
    db: Database,
    pool_id: uuid.UUID,
    *,
    now: datetime,
    batch_size: int = 200,
    observe: BatchObserver | None = None,
    result: PassResult | None = None,
) -> PassResult:
    result = result or PassResult()
    with db.tenant_session() as session:
        pool = repository.get(session, pool_id)
    if pool is None:
        return result
    rules = rules_of(pool)
    due = deadline(rules)
    if not rules.reclaim_enabled or due is None:
        return result
    base = _candidates(pool, rules)
    reclaim_conditions = [*base, _reclaim_due(rules, due, now)]

    def reclaim(session: Session, ids: list[uuid.UUID]) -> int:
        target = repository.get(session, pool_id)
        if target is None:
            return 0
        customers = list(session.scalars(_locked(session, ids, reclaim_conditions)))
        move_many(
            session,
            customers,
            action="pooled",
            pool=target,
            to_owner_id=None,
            actor_id=None,
            reason="reclaimed: no follow-up or deal in time",
            now=now,
        )
        return len(customers)

    result.reclaimed += _walk(
        db, reclaim_conditions, batch_size, reclaim, result, observe, "reclaim"
    )
    if rules.remind_days_before == 0:
        return result
    remind_conditions = [*base, _remind_due(rules, due, now)]

    def remind(session: Session, ids: list[uuid.UUID]) -> int:
        rows = session.execute(
            select(Customer, due.label("due"))
            .where(Customer.id.in_(ids), *remind_conditions)
            .order_by(Customer.id)
            .with_for_update(of=Customer, skip_locked=True)
        ).all()
        for customer, due_at in rows:
            reminder = Reminder(
                id=uuid.uuid4(),
                customer_id=customer.id,
                user_id=customer.owner_id,
                due_at=due_at,
                note=f"{customer.name} returns to {pool.name} unless followed up"[:500],
                done=False,
                created_at=now,
            )
            session.add(reminder)
            # Not a `customers.customer.*` event: those carry the whole record (search
            # indexes them); this one only tells the owner.
            publish(
                session,
                "reclaim_reminded",
                {
                    "customer_id": str(customer.id),
                    "customer_name": customer.name,
                    "owner_id": str(customer.owner_id),
                    "pool_id": str(pool.id),
                    "reminder_id": str(reminder.id),
                    "reclaim_at": due_at.isoformat(),
                },
                aggregate="pool",
            )
        if rows:
            # Not a change of the record: its version (and clients' If-Match) stays.
            session.execute(
                update(Customer)
                .where(Customer.id.in_([c.id for c, _ in rows]))
                .values(reclaim_reminded_at=now)
                .execution_options(synchronize_session=False)
            )
        return len(rows)

    result.reminded += _walk(db, remind_conditions, batch_size, remind, result, observe, "remind")
    return result


def reclaim_tenant(
    db: Database,
    *,
    now: datetime,
    batch_size: int = 200,
    observe: BatchObserver | None = None,
) -> PassResult:
    """One pass over every pool of the current tenant."""
    with db.tenant_session() as session:
        pool_ids = [p.id for p in repository.all_pools(session)]
    result = PassResult()
    for pool_id in pool_ids:
        reclaim_pool(db, pool_id, now=now, batch_size=batch_size, observe=observe, result=result)
    return result


def due_soon(
    session: Session,
    *,
    now: datetime,
    within: timedelta | None,
    owner_id: uuid.UUID | None = None,
    customer_ids: Sequence[uuid.UUID] | None = None,
    limit: int = 100,
) -> list[tuple[Customer, datetime, Pool]]:
    """Owned customers that pools with reclaim on will take back (within `within` of `now`;
    None: whenever), soonest first, with when and where to: the same rules the reclaim pass
    applies. Narrowed to one owner's or to the listed customers."""
    found: list[tuple[Customer, datetime, Pool]] = []
    for pool in repository.all_pools(session):
        rules = rules_of(pool)
        due = deadline(rules)
        if not rules.reclaim_enabled or due is None:
            continue
        conditions = _candidates(pool, rules)
        if owner_id is not None:
            conditions.append(Customer.owner_id == owner_id)
        if customer_ids is not None:
            conditions.append(Customer.id.in_(list(customer_ids)))
        if within is not None:
            conditions.append(due <= now + within)
        rows = session.execute(
            select(Customer, due.label("due"))
            .where(*conditions)
            .order_by(due, Customer.id)
            .limit(limit)
        ).all()
        found.extend((customer, when, pool) for customer, when in rows)
    return sorted(found, key=lambda item: item[1])[:limit]
