"""The potential score: 0 to 100 points per customer, from parts that explain themselves.

`score` is a pure function of the inputs; `recompute` gathers a customer's inputs and
stores the result without moving the customer's version (the score is derived: a client
holding an ETag must not get 412 because an activity was logged).

Parts (points at most):
- recency (30): 30 on the day of the last follow-up, falling linearly to 0 at 90 days;
- frequency (20): 5 per follow-up in the last 90 days;
- level (15): level `a` 15, `b` 10, `c` 5, any other 0;
- engagement (15): 5 per activity in the last 90 days;
- deal_value (10): open and won opportunities (sales): 2 above 0, 4 from 10 000, 7 from
  100 000, 10 from 1 000 000;
- payments (10): payments received (sales), the same steps.
"""

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from crm_customers.customers.models import Customer
from crm_customers.db import utcnow
from crm_customers.insights import repository

WINDOW_DAYS = 90
RECENCY_MAX, FREQUENCY_MAX, LEVEL_MAX, ENGAGEMENT_MAX, DEAL_MAX, PAYMENT_MAX = (
    30,
    20,
    15,
    15,
    10,
    10,
)
LEVEL_POINTS = {"a": 15, "b": 10, "c": 5}
MONEY_STEPS = ((Decimal(1_000_000), 10), (Decimal(100_000), 7), (Decimal(10_000), 4))


@dataclass(frozen=True)
class PotentialInputs:
    days_since_follow_up: int | None
    follow_ups: int
    level: str | None
    activities: int
    deal_value: Decimal | None = None  # None: sales has published nothing for the customer
    paid: Decimal | None = None


def _money_points(amount: Decimal | None, maximum: int) -> int:
    if amount is None or amount <= 0:
        return 0
    for threshold, points in MONEY_STEPS:
        if amount >= threshold:
            return min(points, maximum)
    return 2


def _part(name: str, points: int, maximum: int, value: Any, why: str) -> dict[str, Any]:
    return {"part": name, "points": points, "max": maximum, "input": value, "explanation": why}


def score(inputs: PotentialInputs) -> tuple[int, list[dict[str, Any]]]:
    days = inputs.days_since_follow_up
    if days is None:
        recency, why = 0, "never followed up"
    else:
        days = max(days, 0)
        recency = round(RECENCY_MAX * max(0.0, 1 - days / WINDOW_DAYS))
        why = f"last follow-up {days} days ago"
    level_key = (inputs.level or "").lower()
    parts = [
        _part("recency", recency, RECENCY_MAX, days, why),
        _part(
            "frequency",
            min(FREQUENCY_MAX, 5 * inputs.follow_ups),
            FREQUENCY_MAX,
            inputs.follow_ups,
            f"{inputs.follow_ups} follow-ups in the last {WINDOW_DAYS} days",
        ),
        _part(
            "level",
            LEVEL_POINTS.get(level_key, 0),
            LEVEL_MAX,
            inputs.level,
            f"level {inputs.level}" if inputs.level else "no level",
        ),
        _part(
            "engagement",
            min(ENGAGEMENT_MAX, 5 * inputs.activities),
            ENGAGEMENT_MAX,
            inputs.activities,
            f"{inputs.activities} activities in the last {WINDOW_DAYS} days",
        ),
        _part(
            "deal_value",
            _money_points(inputs.deal_value, DEAL_MAX),
            DEAL_MAX,
            None if inputs.deal_value is None else str(inputs.deal_value),
            "no deals known" if inputs.deal_value is None else "open and won deals",
        ),
        _part(
            "payments",
            _money_points(inputs.paid, PAYMENT_MAX),
            PAYMENT_MAX,
            None if inputs.paid is None else str(inputs.paid),
            "no payments known" if inputs.paid is None else "payments received",
        ),
    ]
    total = sum(int(p["points"]) for p in parts)
    return max(0, min(100, total)), parts


def _days_since(at: datetime | None, now: datetime) -> int | None:
    return None if at is None else (now - at) // timedelta(days=1)


def recompute_many(
    session: Session, customers: Iterable[Any], *, now: datetime | None = None
) -> int:
    """Recompute and store the scores of `customers` (Customer objects, or rows of
    `repository.SCORE_INPUTS`: the tenant pass reads only those); returns how many changed."""
    now = now or utcnow()
    batch = list(customers)
    if not batch:
        return 0
    ids = [c.id for c in batch]
    since = now - timedelta(days=WINDOW_DAYS)
    counts = repository.interaction_counts(session, ids, since=since)
    deals, paid = repository.sales_totals(session, ids)
    changed: list[tuple[Any, int, list[dict[str, Any]]]] = []
    for customer in batch:
        follow_ups, activities = counts.get(customer.id, (0, 0))
        value, parts = score(
            PotentialInputs(
                days_since_follow_up=_days_since(customer.last_follow_up_at, now),
                follow_ups=follow_ups,
                level=customer.level,
                activities=activities,
                deal_value=deals.get(customer.id),
                paid=paid.get(customer.id),
            )
        )
        if value != customer.potential_score or parts != customer.potential_parts:
            changed.append((customer, value, parts))
    if changed:
        repository.store_potentials(session, changed)
    return len(changed)


def score_new(customer: Customer) -> None:
    """A customer about to be inserted: no history and no sales yet, so no queries."""
    customer.potential_score, customer.potential_parts = score(
        PotentialInputs(days_since_follow_up=None, follow_ups=0, level=customer.level, activities=0)
    )


def recompute(session: Session, customer: Customer, *, now: datetime | None = None) -> None:
    recompute_many(session, [customer], now=now)


def absorb(session: Session, *, survivor: Customer, merged_id: uuid.UUID) -> None:
    """A merge: the merged customer's history (moved already) and sales count for the survivor."""
    repository.move_sales(session, from_customer=merged_id, to_customer=survivor.id)
    recompute(session, survivor)


def recompute_ids(session: Session, customer_ids: Iterable[uuid.UUID]) -> None:
    recompute_many(session, repository.live_customers(session, list(customer_ids)))


def recompute_tenant(session: Session, *, now: datetime | None = None, batch: int = 2000) -> int:
    """Every live customer of the session's tenant (recency decays with time)."""
    changed = 0
    after: uuid.UUID | None = None
    while True:
        customers = repository.live_page(session, after=after, limit=batch)
        if not customers:
            return changed
        changed += recompute_many(session, customers, now=now)
        after = customers[-1].id
