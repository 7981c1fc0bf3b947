"""Public pools: the pools themselves, and claiming, releasing, assigning, discarding and
restoring their customers. Every move goes to the ledger (`pool_moves`), the customer's
timeline and change history, and the outbox, in the caller's transaction.

Times come in as `now` (the edge passes the real time, tests a controlled one).
"""

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from crm_customers.common.access import Caller
from crm_customers.custom_fields import service as custom_fields
from crm_customers.custom_fields.schemas import Entity
from crm_customers.customers import repository as customers_repository
from crm_customers.customers import service as customers
from crm_customers.customers.events import (
    customer_data,
    customer_event,
    publish,
    searchable_custom_keys,
)
from crm_customers.customers.models import Customer, CustomerChange
from crm_customers.customers.schemas import CustomerOut
from crm_customers.history.models import Interaction
from crm_customers.pools import membership, repository
from crm_customers.pools.errors import (
    ClaimCooldown,
    CustomerInPool,
    CustomerNotInPool,
    DailyClaimLimit,
    DefaultPoolRequired,
    OwnedLimit,
)
from crm_customers.pools.models import Pool, PoolMove
from crm_customers.pools.schemas import (
    AssignIn,
    DiscardIn,
    PoolIn,
    PoolOut,
    PoolPatch,
    PoolRules,
    ReleaseIn,
    RestoreIn,
)
from crm_customers.staff import repository as staff
from crmkit.errors import InvalidInput, NotFound, PermissionDenied, PreconditionFailed
from crmkit.filters import apply_filters
from crmkit.pagination import SortKey, decode_cursor, encode_cursor, paginate

POOL_ENTRY = "pool"  # the timeline's entry type for moves

# Timeline wording per move; `{pool}` is the pool's name.
WORDING = {
    "pooled": "Reclaimed into {pool}",
    "released": "Released to {pool}",
    "claimed": "Claimed from {pool}",
    "assigned": "Assigned from {pool}",
    "discarded": "Discarded to the trash of {pool}",
    "restored": "Restored from the trash of {pool}",
    "handed_over": "Handed over",
}
# The event each move publishes (`customers.customer.<verb>`).
VERBS = {
    "pooled": "pooled",
    "released": "released",
    "claimed": "claimed",
    "assigned": "assigned",
    "discarded": "pool_discarded",
    "restored": "pool_restored",
    "handed_over": "owner_changed",
}


def rules_of(pool: Pool) -> PoolRules:
    return PoolRules.model_validate(pool.rules or {})


# ---------------------------------------------------------------------------------- moves


def move(
    session: Session,
    customer: Customer,
    *,
    action: str,
    pool: Pool | None,
    to_owner_id: uuid.UUID | None,
    actor_id: uuid.UUID | None,
    reason: str | None,
    now: datetime,
) -> None:
    """Put `customer` into `pool` (no owner) or give it to `to_owner_id`, and record it."""
    move_many(
        session,
        [customer],
        action=action,
        pool=pool,
        to_owner_id=to_owner_id,
        actor_id=actor_id,
        reason=reason,
        now=now,
    )


def move_many(
    session: Session,
    moving: list[Customer],
    *,
    action: str,
    pool: Pool | None,
    to_owner_id: uuid.UUID | None,
    actor_id: uuid.UUID | None,
    reason: str | None,
    now: datetime,
) -> None:
    """`move` for many customers at once: one UPDATE and one INSERT per table for all of
    them, so a reclaim batch costs a few statements rather than a few per customer. The
    caller holds the customers' rows locked."""
    if to_owner_id is None and pool is None and action not in ("discarded", "restored"):
        raise ValueError("a customer without an owner needs a pool")
    department_id = None
    if to_owner_id is not None:
        member = staff.get(session, to_owner_id)
        department_id = member.department_id if member else None
    previous = [(c, c.owner_id, c.pool_id) for c in moving]
    values = _values(action, pool, to_owner_id, department_id, actor_id, now)
    # One UPDATE for the lot; every caller holds the rows locked, so no version can move
    # under us, and the loaded objects take the written values as they are now stored.
    repository.update_customers(session, [c.id for c in moving], values)
    for customer in moving:
        for name, value in values.items():
            set_committed_value(customer, name, value)
        set_committed_value(customer, "version", customer.version + 1)
    pool_id = pool.id if pool is not None else None
    wording = WORDING[action].format(pool=pool.name if pool is not None else "")
    # Ledger, timeline and history rows go out as one INSERT per table (plain rows, no
    # unit of work: a reclaim batch writes hundreds); the events follow.
    content = f"{wording}: {reason}" if reason else wording
    title = pool.name[:200] if pool is not None else None
    ledger, timeline, history = [], [], []
    for customer, previous_owner, previous_pool in previous:
        ledger.append(
            {
                "id": uuid.uuid4(),
                "customer_id": customer.id,
                "pool_id": pool_id,
                "action": action,
                "actor_id": actor_id,
                "from_owner_id": previous_owner,
                "to_owner_id": customer.owner_id,
                "reason": reason,
                "at": now,
            }
        )
        timeline.append(
            {
                "id": uuid.uuid4(),
                "customer_id": customer.id,
                "entry_type": POOL_ENTRY,
                "kind": action,
                "title": title,
                "content": content,
                "at": now,
                "attachment_ids": [],
                "created_by": actor_id,
                "created_at": now,
            }
        )
        changes = [
            {"field": name, "from": str(old) if old else None, "to": str(new) if new else None}
            for name, old, new in (
                ("owner_id", previous_owner, customer.owner_id),
                ("pool_id", previous_pool, customer.pool_id),
            )
            if old != new
        ]
        history.append(
            {
                "id": uuid.uuid4(),
                "customer_id": customer.id,
                "actor_id": actor_id,
                "action": action,
                "changes": changes,
                "at": now,
            }
        )
    repository.insert_rows(session, PoolMove, ledger)
    repository.insert_rows(session, Interaction, timeline)
    repository.insert_rows(session, CustomerChange, history)
    # As `customer_event` publishes it, with its per-event look-up done once.
    shared = {"searchable_custom": searchable_custom_keys(session)}
    with session.no_autoflush:
        for customer, previous_owner, _ in previous:
            data = {
                **customer_data(customer),
                **shared,
                "pool_id": str(pool_id) if pool_id else None,
                "previous_owner_id": str(previous_owner) if previous_owner else None,
                "actor_id": str(actor_id) if actor_id else None,
                "reason": reason,
            }
            publish(session, VERBS[action], data)


def _values(
    action: str,
    pool: Pool | None,
    to_owner_id: uuid.UUID | None,
    department_id: uuid.UUID | None,
    actor_id: uuid.UUID | None,
    now: datetime,
) -> dict[str, Any]:
    values: dict[str, Any] = {"updated_at": now}
    if actor_id is not None:
        values["updated_by"] = actor_id
    if action in ("discarded", "restored"):
        values["pool_trashed_at"] = now if action == "discarded" else None
    elif to_owner_id is None and pool is not None:
        values.update(
            owner_id=None,
            collaborator_ids=[],  # the previous team loses it with its owner
            pool_id=pool.id,
            home_pool_id=pool.id,
            pooled_at=now,
            pool_trashed_at=None,
            owned_since=None,
            reclaim_reminded_at=None,
        )
    else:
        values.update(
            owner_id=to_owner_id,
            department_id=department_id,
            pool_id=None,
            pooled_at=None,
            pool_trashed_at=None,
            owned_since=now,
            reclaim_reminded_at=None,
        )
        if pool is not None:
            values["home_pool_id"] = pool.id  # reclaim returns it where it came from
    return values


# ---------------------------------------------------------------------------------- pools


def present_pool(pool: Pool, count: int) -> PoolOut:
    return PoolOut(
        id=pool.id,
        name=pool.name,
        is_default=pool.is_default,
        member_user_ids=[uuid.UUID(u) for u in pool.member_user_ids],
        member_department_ids=[uuid.UUID(d) for d in pool.member_department_ids],
        rules=rules_of(pool),
        version=pool.version,
        customer_count=count,
        created_at=pool.created_at,
        updated_at=pool.updated_at,
    )


def list_pools(session: Session, *, caller: Caller) -> list[PoolOut]:
    caller.require("view")
    counts = repository.customer_counts(session)
    return [
        present_pool(p, counts.get(p.id, 0))
        for p in repository.all_pools(session)
        if membership.is_member(session, caller, p)
    ]


def visible_pool(session: Session, *, caller: Caller, pool_id: uuid.UUID) -> Pool:
    caller.require("view")
    pool = repository.get(session, pool_id)
    if pool is None or not membership.is_member(session, caller, pool):
        raise NotFound("no such pool")
    return pool


def pool_out(session: Session, pool: Pool) -> PoolOut:
    return present_pool(pool, repository.customer_counts(session).get(pool.id, 0))


def _require_manager(caller: Caller) -> None:
    caller.require(membership.MANAGE)


def _check_name(session: Session, name: str, pool_id: uuid.UUID | None) -> str:
    name = name.strip()
    if not name:
        raise InvalidInput.on_field("name", "must not be blank")
    same = repository.by_name(session, name)
    if same is not None and same.id != pool_id:
        raise InvalidInput.on_field("name", "another pool has this name")
    return name


def create_pool(session: Session, *, caller: Caller, data: PoolIn, now: datetime) -> Pool:
    _require_manager(caller)
    name = _check_name(session, data.name, None)
    if data.is_default:
        repository.unset_default(session)
    pool = Pool(
        id=uuid.uuid4(),
        name=name,
        is_default=data.is_default,
        member_user_ids=[str(u) for u in dict.fromkeys(data.member_user_ids)],
        member_department_ids=[str(d) for d in dict.fromkeys(data.member_department_ids)],
        rules=data.rules.model_dump(),
        created_by=caller.user_id,
        created_at=now,
        updated_at=now,
    )
    repository.add(session, pool)
    return pool


def update_pool(
    session: Session,
    *,
    caller: Caller,
    pool_id: uuid.UUID,
    data: PoolPatch,
    expected_version: int | None,
    now: datetime,
) -> Pool:
    _require_manager(caller)
    pool = repository.get(session, pool_id, for_update=True)
    if pool is None:
        raise NotFound("no such pool")
    if expected_version is not None and expected_version != pool.version:
        raise PreconditionFailed("the pool changed since you read it", version=pool.version)
    written = data.model_fields_set
    for name in ("name", "member_user_ids", "member_department_ids", "rules"):
        if name in written and getattr(data, name) is None:
            raise InvalidInput.on_field(name, "must not be null")
    if data.name is not None:
        pool.name = _check_name(session, data.name, pool.id)
    if data.member_user_ids is not None:
        pool.member_user_ids = [str(u) for u in dict.fromkeys(data.member_user_ids)]
    if data.member_department_ids is not None:
        pool.member_department_ids = [str(d) for d in dict.fromkeys(data.member_department_ids)]
    if data.rules is not None:
        pool.rules = data.rules.model_dump()
    if "is_default" in written:
        if data.is_default is None:
            raise DefaultPoolRequired("make another pool the default instead")
        if not pool.is_default:
            repository.unset_default(session)
            pool.is_default = True
    pool.updated_at = now
    session.flush()
    return pool


def list_pool_customers(
    session: Session,
    *,
    caller: Caller,
    pool_id: uuid.UUID,
    trashed: bool,
    filters: list[str],
    limit: int,
    cursor: str | None,
) -> tuple[list[CustomerOut], str | None]:
    pool = visible_pool(session, caller=caller, pool_id=pool_id)
    if trashed:
        _require_manager(caller)
    for raw in filters:  # what is masked here cannot be searched either
        if raw.partition(":")[0] in ("phone", "email") and not membership.is_manager(caller):
            raise InvalidInput.on_field("filter", "phones and emails are masked in pools")
    fields = {
        **customers.standard_filterables(),
        **custom_fields.filterables(session, entity=Entity.CUSTOMER, column=Customer.custom),
    }
    query = repository.in_pool(pool.id, trashed=trashed).where(
        *customers._guard_filters(caller, filters)  # the customer list's own check
    )
    query = apply_filters(query, filters, fields)
    if cursor:
        decode_cursor(cursor)
    query = paginate(
        query,
        key=SortKey(Customer.pooled_at.expression, Customer.id.expression, descending=True),
        limit=limit,
        cursor=cursor,
    )
    found = repository.customers(session, query)
    page = found[:limit]
    next_cursor = None
    if len(found) > limit and page:
        next_cursor = encode_cursor([page[-1].pooled_at, page[-1].id])
    return customers.present_many(session, caller, page), next_cursor


# -------------------------------------------------------------------------------- claiming


def _user(caller: Caller) -> uuid.UUID:
    if caller.user_id is None:
        raise PermissionDenied("only users claim and release customers")
    return caller.user_id


def _day_start(now: datetime) -> datetime:
    return now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


def _live(session: Session, customer_id: uuid.UUID) -> Customer:
    customer = customers_repository.get(session, customer_id, for_update=True)
    if customer is None or customer.deleted_at is not None or customer.merged_into_id:
        raise NotFound("no such customer")
    return customer


def claim(session: Session, *, caller: Caller, customer_id: uuid.UUID, now: datetime) -> Customer:
    caller.require("claim_from_pool")
    user_id = _user(caller)
    repository.serialise_claims_of(session, user_id)
    customer = _live(session, customer_id)
    if customer.pool_id is None:
        if caller.sees(customer) or _lost_race(session, caller, customer):
            raise CustomerNotInPool("this customer has an owner; it is not in a pool")
        raise NotFound("no such customer")
    pool = repository.get(session, customer.pool_id)
    if pool is None or not membership.browses(session, caller, customer):
        raise NotFound("no such customer")
    if customer.pool_trashed_at is not None:
        raise CustomerNotInPool("this customer is in the pool's trash; restore it first")
    rules = rules_of(pool)
    if rules.reclaim_cooldown_days:
        lost = repository.last_lost(session, customer_id=customer.id, user_id=user_id)
        until = lost + timedelta(days=rules.reclaim_cooldown_days) if lost else None
        if until is not None and until > now:
            raise ClaimCooldown(
                "you owned this customer until recently; you may claim it back later",
                until=until.isoformat(),
            )
    if rules.claims_per_day is not None:
        claimed = repository.claims_since(
            session, user_id=user_id, pool_id=pool.id, since=_day_start(now)
        )
        if claimed >= rules.claims_per_day:
            raise DailyClaimLimit(
                "you claimed as many customers from this pool as a day allows",
                limit=rules.claims_per_day,
            )
    _check_owned_limit(session, rules, user_id, adding=1)
    move(
        session,
        customer,
        action="claimed",
        pool=pool,
        to_owner_id=user_id,
        actor_id=user_id,
        reason=None,
        now=now,
    )
    return customer


def _lost_race(session: Session, caller: Caller, customer: Customer) -> bool:
    """Someone claimed it out of a pool this caller browses: say so (409), it was public."""
    if customer.home_pool_id is None:
        return False
    pool = repository.get(session, customer.home_pool_id)
    return pool is not None and membership.is_member(session, caller, pool)


def _check_owned_limit(session: Session, rules: PoolRules, user_id: uuid.UUID, adding: int) -> None:
    if rules.max_owned is None:
        return
    owned = repository.owned_count(session, user_id)
    if owned + adding > rules.max_owned:
        raise OwnedLimit(
            "this would give the user more customers than the pool allows",
            limit=rules.max_owned,
            owned=owned,
        )


def target_pool(session: Session, pool_id: uuid.UUID | None, *, field: str) -> Pool:
    pool = repository.default_pool(session) if pool_id is None else repository.get(session, pool_id)
    if pool is None:
        raise InvalidInput.on_field(field, "no such pool")
    return pool


def release(
    session: Session, *, caller: Caller, customer_id: uuid.UUID, data: ReleaseIn, now: datetime
) -> Customer:
    user_id = _user(caller)
    _live(session, customer_id)  # locked first: a concurrent edit or claim waits
    customer = customers.visible(session, caller=caller, customer_id=customer_id)
    if customer.pool_id is not None:
        raise CustomerInPool("this customer is already in a pool")
    if customer.owner_id != user_id and not membership.is_manager(caller):
        raise PermissionDenied("only the owner or a pool manager releases a customer to a pool")
    pool = target_pool(session, data.pool_id, field="pool_id")
    move(
        session,
        customer,
        action="released",
        pool=pool,
        to_owner_id=None,
        actor_id=user_id,
        reason=data.reason,
        now=now,
    )
    return customer


def _pool_customers(
    session: Session, pool: Pool, ids: list[uuid.UUID], *, trashed: bool
) -> list[Customer]:
    """All of `ids`, locked, in `pool` (its trash when `trashed`), or nothing is moved."""
    wanted = list(dict.fromkeys(ids))
    found = {c.id: c for c in repository.customers_for_update(session, wanted)}
    missing = [
        str(i)
        for i in wanted
        if i not in found
        or found[i].pool_id != pool.id
        or (found[i].pool_trashed_at is not None) != trashed
        or found[i].deleted_at is not None
        or found[i].merged_into_id is not None
    ]
    if missing:
        where = "the trash of this pool" if trashed else "this pool"
        raise CustomerNotInPool(f"some customers are not in {where}", customer_ids=missing)
    return [found[i] for i in wanted]


def assign(
    session: Session, *, caller: Caller, pool_id: uuid.UUID, data: AssignIn, now: datetime
) -> list[Customer]:
    _require_manager(caller)
    pool = visible_pool(session, caller=caller, pool_id=pool_id)
    owner = staff.get(session, data.owner_id)
    if owner is None or owner.status != "active":
        raise InvalidInput.on_field("owner_id", "no such active user")
    repository.serialise_claims_of(session, data.owner_id)
    moving = _pool_customers(session, pool, data.customer_ids, trashed=False)
    _check_owned_limit(session, rules_of(pool), data.owner_id, adding=len(moving))
    move_many(
        session,
        moving,
        action="assigned",
        pool=pool,
        to_owner_id=data.owner_id,
        actor_id=caller.user_id,
        reason=None,
        now=now,
    )
    return moving


def discard(
    session: Session, *, caller: Caller, pool_id: uuid.UUID, data: DiscardIn, now: datetime
) -> list[Customer]:
    _require_manager(caller)
    pool = visible_pool(session, caller=caller, pool_id=pool_id)
    moving = _pool_customers(session, pool, data.customer_ids, trashed=False)
    move_many(
        session,
        moving,
        action="discarded",
        pool=pool,
        to_owner_id=None,
        actor_id=caller.user_id,
        reason=data.reason,
        now=now,
    )
    return moving


def restore(
    session: Session, *, caller: Caller, pool_id: uuid.UUID, data: RestoreIn, now: datetime
) -> list[Customer]:
    _require_manager(caller)
    pool = visible_pool(session, caller=caller, pool_id=pool_id)
    moving = _pool_customers(session, pool, data.customer_ids, trashed=True)
    move_many(
        session,
        moving,
        action="restored",
        pool=pool,
        to_owner_id=None,
        actor_id=caller.user_id,
        reason=None,
        now=now,
    )
    return moving


def set_reclaim_lock(
    session: Session, *, caller: Caller, customer_id: uuid.UUID, locked: bool, now: datetime
) -> Customer:
    """A locked customer is exempt from reclaim (when its pool's rules say so)."""
    _require_manager(caller)
    _live(session, customer_id)
    customer = customers.visible(session, caller=caller, customer_id=customer_id)
    if customer.reclaim_locked != locked:
        customer.reclaim_locked = locked
        customer.updated_at = now
        customer.updated_by = caller.user_id
        customers.flush_versioned(session)
        change: dict[str, Any] = {"field": "reclaim_locked", "from": not locked, "to": locked}
        customers.record_change(session, caller, customer, "updated", [change])
        customer_event(session, "updated", customer, changed=["reclaim_locked"])
    return customer
