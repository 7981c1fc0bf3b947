"""Builders for the public pool tests: a sales team (a pool manager, two reps who may claim),
customers put in a pool by their owner, rules set through the API, and reclaim passes run
at a chosen time (the controllable clock)."""

import uuid
from datetime import datetime
from typing import Any

from customers_testkit import Org
from sqlalchemy import func, select

from crm_customers.customers.models import Customer
from crm_customers.pools.models import PoolMove
from crm_customers.pools.reclaim import PassResult, reclaim_tenant
from crmkit.tenancy import tenant_context


def sales_team(org: Org) -> None:
    """`mgr` manages pools (scope all, sees phones); `rita` and `sam` are reps who may claim
    and see phones of their own customers' (`view_phone`, so masking is the pool's doing)."""
    manager = org.role(
        "pool-manager", scope="all", extra=("view_phone", "claim_from_pool", "pool_manage")
    )
    rep = org.role("pool-rep", scope="own", extra=("view_phone", "claim_from_pool"))
    org.add_user("mgr", role_ids=(manager,))
    org.add_user("rita", role_ids=(rep,))
    org.add_user("sam", role_ids=(rep,))
    org.deliver_identity_events()  # the staff replica knows them (assign checks owners)


def default_pool(org: Org) -> dict[str, Any]:
    pools = org.get("/api/v1/pools").json()["items"]
    return dict(next(p for p in pools if p["is_default"]))


def set_rules(org: Org, pool_id: str, **rules: Any) -> dict[str, Any]:
    current = org.get(f"/api/v1/pools/{pool_id}").json()["rules"]
    response = org.patch(f"/api/v1/pools/{pool_id}", {"rules": {**current, **rules}})
    assert response.status_code == 200, response.text
    return dict(response.json())


def pooled(
    org: Org, name: str, *, by: str = "rita", pool_id: str | None = None, **fields: Any
) -> str:
    """A customer `by` created, then released to a pool (the default one unless named)."""
    customer = org.customer(name, as_=by, **fields)
    body: dict[str, Any] = {"reason": "no budget this year"}
    if pool_id is not None:
        body["pool_id"] = pool_id
    response = org.post(f"/api/v1/customers/{customer['id']}/release", body, as_=by)
    assert response.status_code == 200, response.text
    return str(customer["id"])


def reclaim(org: Org, now: datetime, batch_size: int = 2) -> PassResult:
    """One reclaim pass over the tenant, as the worker runs it, at `now`."""
    with tenant_context(uuid.UUID(org.tenant_id)):
        return reclaim_tenant(org.world.db, now=now, batch_size=batch_size)


def moves(org: Org, customer_id: str) -> list[str]:
    with tenant_context(uuid.UUID(org.tenant_id)), org.world.db.tenant_session() as session:
        query = (
            select(PoolMove.action)
            .where(PoolMove.customer_id == uuid.UUID(customer_id))
            .order_by(PoolMove.at)
        )
        return list(session.scalars(query))


def owned_by(org: Org, user: str) -> int:
    with tenant_context(uuid.UUID(org.tenant_id)), org.world.db.tenant_session() as session:
        query = select(func.count()).where(Customer.owner_id == uuid.UUID(org.ids[user]))
        return int(session.scalar(query) or 0)


def set_columns(org: Org, customer_id: str, **values: Any) -> None:
    """Facts another service would feed (a deal in progress): written as that feed would."""
    with tenant_context(uuid.UUID(org.tenant_id)), org.world.db.tenant_transaction() as session:
        customer = session.get(Customer, uuid.UUID(customer_id))
        assert customer is not None
        for name, value in values.items():
            setattr(customer, name, value)
