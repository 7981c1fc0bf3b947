import uuid
from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel
from sqlalchemy.orm import Session

from crm_customers.common.http import CurrentCaller, Filters, IfMatch, Limit, etag
from crm_customers.customers import service as customers
from crm_customers.customers.models import Customer
from crm_customers.customers.schemas import CustomerOut
from crm_customers.db import utcnow
from crm_customers.pools import handover, reclaim, repository, service
from crm_customers.pools.schemas import (
    AssignIn,
    DiscardIn,
    HandOverIn,
    HandOverPolicy,
    Moved,
    PoolCustomerPage,
    PoolIn,
    PoolList,
    PoolOut,
    PoolPatch,
    ReleaseIn,
    RestoreIn,
)
from crm_customers.pools.service import rules_of
from crmkit.errors import InvalidInput
from crmkit.http import TenantSession
from crmkit.ids import parse_ids, split_ids

router = APIRouter(prefix="/api/v1", tags=["pools"])

ERRORS: dict[int | str, dict[str, str]] = {
    403: {"description": "Missing permission (`customers:pool_manage`, `claim_from_pool`)"},
    404: {"description": "No such pool or customer (or not yours to see)"},
    409: {
        "description": "`customer_in_pool`, `customer_not_in_pool`, `claim_cooldown` "
        "(`until`), `daily_claim_limit` or `owned_limit` (`limit`)"
    },
    422: {"description": "Invalid input; `errors` names the field"},
}


class LockIn(BaseModel):
    locked: bool


def _moved(found: list[Customer]) -> Moved:
    return Moved(moved=len(found), customer_ids=[c.id for c in found])


@router.get("/pools", response_model=PoolList, responses=ERRORS)
def list_pools(session: TenantSession, caller: CurrentCaller) -> PoolList:
    """The pools the caller may claim from (managers: all)."""
    return PoolList(items=service.list_pools(session, caller=caller))


@router.post("/pools", status_code=201, response_model=PoolOut, responses=ERRORS)
def create_pool(
    data: PoolIn, session: TenantSession, caller: CurrentCaller, response: Response
) -> PoolOut:
    pool = service.create_pool(session, caller=caller, data=data, now=utcnow())
    response.headers.update(etag(pool.version))
    response.headers["Location"] = f"/api/v1/pools/{pool.id}"
    return service.pool_out(session, pool)


@router.post("/pools/hand-overs", response_model=Moved, responses=ERRORS)
def hand_over(data: HandOverIn, session: TenantSession, caller: CurrentCaller) -> Moved:
    """Move a user's customers (all, `filter`ed or listed) to another user or a pool."""
    moved = handover.hand_over(session, caller=caller, data=data, now=utcnow())
    return Moved(moved=moved)


@router.get("/pools/hand-over-policy", response_model=HandOverPolicy, responses=ERRORS)
def get_policy(session: TenantSession, caller: CurrentCaller) -> HandOverPolicy:
    caller.require("view")
    return handover.policy(session)


@router.put("/pools/hand-over-policy", response_model=HandOverPolicy, responses=ERRORS)
def put_policy(
    data: HandOverPolicy, session: TenantSession, caller: CurrentCaller
) -> HandOverPolicy:
    return handover.set_policy(session, caller=caller, data=data)


class ReclaimSoonItem(BaseModel):
    customer_id: uuid.UUID
    name: str
    reclaim_at: datetime
    pool_id: uuid.UUID
    pool_name: str
    remind_days_before: int


class ReclaimSoon(BaseModel):
    items: list[ReclaimSoonItem]


@router.get("/pools/reclaim-soon", response_model=ReclaimSoon, responses=ERRORS)
def reclaim_soon(
    session: TenantSession,
    caller: CurrentCaller,
    days: Annotated[int, Query(ge=1, le=365)] = 7,
) -> ReclaimSoon:
    """The caller's own customers that automatic reclaim takes back within `days`."""
    caller.require("view")
    if caller.user_id is None:
        return ReclaimSoon(items=[])
    due = reclaim.due_soon(
        session, owner_id=caller.user_id, now=utcnow(), within=timedelta(days=days)
    )
    return ReclaimSoon(
        items=[
            ReclaimSoonItem(
                customer_id=c.id,
                name=c.name,
                reclaim_at=when,
                pool_id=p.id,
                pool_name=p.name,
                remind_days_before=rules_of(p).remind_days_before,
            )
            for c, when, p in due
        ]
    )


@router.get("/pools/{pool_id}", response_model=PoolOut, responses=ERRORS)
def get_pool(
    pool_id: uuid.UUID, session: TenantSession, caller: CurrentCaller, response: Response
) -> PoolOut:
    pool = service.visible_pool(session, caller=caller, pool_id=pool_id)
    response.headers.update(etag(pool.version))
    return service.pool_out(session, pool)


@router.patch("/pools/{pool_id}", response_model=PoolOut, responses=ERRORS)
def update_pool(
    pool_id: uuid.UUID,
    data: PoolPatch,
    session: TenantSession,
    caller: CurrentCaller,
    version: IfMatch,
    response: Response,
) -> PoolOut:
    pool = service.update_pool(
        session,
        caller=caller,
        pool_id=pool_id,
        data=data,
        expected_version=version,
        now=utcnow(),
    )
    response.headers.update(etag(pool.version))
    return service.pool_out(session, pool)


@router.get("/pools/{pool_id}/customers", response_model=PoolCustomerPage, responses=ERRORS)
def pool_customers(
    pool_id: uuid.UUID,
    session: TenantSession,
    caller: CurrentCaller,
    filters: Filters = [],  # noqa: B006 - FastAPI copies query defaults
    limit: Limit = 20,
    cursor: str | None = None,
) -> PoolCustomerPage:
    """The pool's customers, newest in first; phones and emails masked but for managers."""
    items, next_cursor = service.list_pool_customers(
        session,
        caller=caller,
        pool_id=pool_id,
        trashed=False,
        filters=filters,
        limit=limit,
        cursor=cursor,
    )
    return PoolCustomerPage(items=items, next_cursor=next_cursor)


@router.get("/pools/{pool_id}/trash", response_model=PoolCustomerPage, responses=ERRORS)
def pool_trash(
    pool_id: uuid.UUID,
    session: TenantSession,
    caller: CurrentCaller,
    filters: Filters = [],  # noqa: B006
    limit: Limit = 20,
    cursor: str | None = None,
) -> PoolCustomerPage:
    items, next_cursor = service.list_pool_customers(
        session,
        caller=caller,
        pool_id=pool_id,
        trashed=True,
        filters=filters,
        limit=limit,
        cursor=cursor,
    )
    return PoolCustomerPage(items=items, next_cursor=next_cursor)


@router.post("/pools/{pool_id}/assign", response_model=Moved, responses=ERRORS)
def assign(
    pool_id: uuid.UUID, data: AssignIn, session: TenantSession, caller: CurrentCaller
) -> Moved:
    """Give pool customers to a user (all or none: each must be in this pool)."""
    found = service.assign(session, caller=caller, pool_id=pool_id, data=data, now=utcnow())
    return _moved(found)


@router.post("/pools/{pool_id}/discard", response_model=Moved, responses=ERRORS)
def discard(
    pool_id: uuid.UUID, data: DiscardIn, session: TenantSession, caller: CurrentCaller
) -> Moved:
    found = service.discard(session, caller=caller, pool_id=pool_id, data=data, now=utcnow())
    return _moved(found)


@router.post("/pools/{pool_id}/restore", response_model=Moved, responses=ERRORS)
def restore(
    pool_id: uuid.UUID, data: RestoreIn, session: TenantSession, caller: CurrentCaller
) -> Moved:
    found = service.restore(session, caller=caller, pool_id=pool_id, data=data, now=utcnow())
    return _moved(found)


@router.post("/customers/{customer_id}/claim", response_model=CustomerOut, responses=ERRORS)
def claim(customer_id: uuid.UUID, session: TenantSession, caller: CurrentCaller) -> CustomerOut:
    customer = service.claim(session, caller=caller, customer_id=customer_id, now=utcnow())
    return customers.present(caller, customer, custom_keys=customers.custom_keys(session))


@router.post("/customers/{customer_id}/release", response_model=CustomerOut, responses=ERRORS)
def release(
    customer_id: uuid.UUID, data: ReleaseIn, session: TenantSession, caller: CurrentCaller
) -> CustomerOut:
    """The owner gives the customer up to a pool (the default pool unless `pool_id`)."""
    customer = service.release(
        session, caller=caller, customer_id=customer_id, data=data, now=utcnow()
    )
    return customers.present(caller, customer, custom_keys=customers.custom_keys(session))


class CustomerReclaim(BaseModel):
    """Where a customer stands with the pools: in one (`pooled`), or owned and due back to
    `pool_id` at `reclaim_at` under that pool's current rules (null: reclaim never takes it)."""

    customer_id: uuid.UUID
    owner_id: uuid.UUID | None
    pooled: bool
    pool_id: uuid.UUID | None
    pool_name: str | None
    reclaim_at: datetime | None
    remind_days_before: int | None
    reclaim_locked: bool


def reclaim_statuses(session: Session, found: list[Customer]) -> list[CustomerReclaim]:
    """Each customer's standing, from the reclaim rules `pools/reclaim-soon` applies."""
    pools = {p.id: p for p in repository.all_pools(session)}
    owned = [c.id for c in found if c.pool_id is None]
    due = (
        {
            customer.id: (when, pool)
            for customer, when, pool in reclaim.due_soon(
                session, customer_ids=owned, now=utcnow(), within=None, limit=len(owned)
            )
        }
        if owned
        else {}
    )
    answers = []
    for customer in found:
        pool = pools.get(customer.pool_id) if customer.pool_id is not None else None
        answer = CustomerReclaim(
            customer_id=customer.id,
            owner_id=customer.owner_id,
            pooled=customer.pool_id is not None,
            pool_id=customer.pool_id,
            pool_name=pool.name if pool is not None else None,
            reclaim_at=None,
            remind_days_before=None,
            reclaim_locked=customer.reclaim_locked,
        )
        if customer.id in due:
            when, pool = due[customer.id]
            answer.pool_id, answer.pool_name, answer.reclaim_at = pool.id, pool.name, when
            answer.remind_days_before = rules_of(pool).remind_days_before
        answers.append(answer)
    return answers


@router.get("/customers/{customer_id}/reclaim", response_model=CustomerReclaim, responses=ERRORS)
def customer_reclaim(
    customer_id: uuid.UUID, session: TenantSession, caller: CurrentCaller
) -> CustomerReclaim:
    """When automatic reclaim takes this customer back, computed as `pools/reclaim-soon` does."""
    customer = customers.visible(session, caller=caller, customer_id=customer_id)
    [answer] = reclaim_statuses(session, [customer])
    return answer


MAX_RECLAIM_IDS = 100


class CustomerReclaims(BaseModel):
    items: list[CustomerReclaim]


def listed_ids(raw: str) -> list[uuid.UUID]:
    parts = split_ids(raw)
    if not parts:
        raise InvalidInput.on_field("ids", "name at least one customer id")
    return parse_ids(parts, field="ids", at_most=MAX_RECLAIM_IDS, what="customer id")


# Registered before the customers router: `/customers/reclaim` is not `/customers/{id}`.
fixed_paths = APIRouter(prefix="/api/v1", tags=["pools"])


@fixed_paths.get("/customers/reclaim", response_model=CustomerReclaims, responses=ERRORS)
def customers_reclaim(
    session: TenantSession,
    caller: CurrentCaller,
    ids: Annotated[
        str, Query(description=f"Comma-separated customer ids, at most {MAX_RECLAIM_IDS}")
    ],
) -> CustomerReclaims:
    """`customers/{id}/reclaim` for each listed customer the caller may see (in the order
    asked); the others, another tenant's included, are left out."""
    found = customers.visible_many(session, caller=caller, customer_ids=listed_ids(ids))
    return CustomerReclaims(items=reclaim_statuses(session, found))


@router.put("/customers/{customer_id}/reclaim-lock", response_model=CustomerOut, responses=ERRORS)
def reclaim_lock(
    customer_id: uuid.UUID, data: LockIn, session: TenantSession, caller: CurrentCaller
) -> CustomerOut:
    """Exempt a customer from automatic reclaim (`locked: true`), or not."""
    customer = service.set_reclaim_lock(
        session, caller=caller, customer_id=customer_id, locked=data.locked, now=utcnow()
    )
    return customers.present(caller, customer, custom_keys=customers.custom_keys(session))
