"""Hand-overs: an admin moves all (or a filtered set) of a user's customers to another user
or to a pool; when identity disables a user, the tenant's policy does it by itself."""

import uuid
from datetime import datetime

from sqlalchemy.orm import Session

from crm_customers.common.access import Caller
from crm_customers.custom_fields import service as custom_fields
from crm_customers.custom_fields.schemas import Entity
from crm_customers.customers import repository as customers_repository
from crm_customers.customers import service as customers
from crm_customers.customers.models import Customer, TenantSetting
from crm_customers.pools import membership, repository
from crm_customers.pools.models import Pool
from crm_customers.pools.schemas import HandOverIn, HandOverPolicy
from crm_customers.pools.service import move_many, target_pool
from crm_customers.staff import repository as staff
from crmkit.errors import InvalidInput
from crmkit.filters import apply_filters

POLICY_KEY = "handover_policy"
ACTIVE = "active"


def policy(session: Session) -> HandOverPolicy:
    stored = customers_repository.setting(session, POLICY_KEY)
    return HandOverPolicy.model_validate(stored.value) if stored else HandOverPolicy()


def set_policy(session: Session, *, caller: Caller, data: HandOverPolicy) -> HandOverPolicy:
    caller.require(membership.MANAGE)
    if data.mode == "user":
        if data.user_id is None:
            raise InvalidInput.on_field("user_id", "mode=user names the user")
        _active_user(session, data.user_id, field="user_id")
    if data.pool_id is not None:
        target_pool(session, data.pool_id, field="pool_id")
    stored = customers_repository.setting(session, POLICY_KEY)
    if stored is None:
        customers_repository.save_setting(
            session, TenantSetting(key=POLICY_KEY, value=data.model_dump(mode="json"))
        )
    else:
        stored.value = data.model_dump(mode="json")
        session.flush()
    return data


def _active_user(session: Session, user_id: uuid.UUID, *, field: str) -> None:
    member = staff.get(session, user_id)
    if member is None or member.status != ACTIVE:
        raise InvalidInput.on_field(field, "no such active user")


def transfer(
    session: Session,
    found: list[Customer],
    *,
    to_user_id: uuid.UUID | None,
    to_pool: Pool | None,
    actor_id: uuid.UUID | None,
    reason: str,
    now: datetime,
) -> int:
    move_many(
        session,
        found,
        action="handed_over" if to_user_id is not None else "pooled",
        pool=to_pool,
        to_owner_id=to_user_id,
        actor_id=actor_id,
        reason=reason,
        now=now,
    )
    return len(found)


def hand_over(session: Session, *, caller: Caller, data: HandOverIn, now: datetime) -> int:
    caller.require(membership.MANAGE)
    if (data.to_user_id is None) == (data.to_pool_id is None):
        raise InvalidInput.on_field("to_user_id", "name exactly one of to_user_id and to_pool_id")
    pool: Pool | None = None
    if data.to_user_id is not None:
        if data.to_user_id == data.from_user_id:
            raise InvalidInput.on_field("to_user_id", "must differ from from_user_id")
        _active_user(session, data.to_user_id, field="to_user_id")
    else:
        pool = target_pool(session, data.to_pool_id, field="to_pool_id")
    fields = {
        **customers.standard_filterables(),
        **custom_fields.filterables(session, entity=Entity.CUSTOMER, column=Customer.custom),
    }
    query = apply_filters(repository.owned_by(session, data.from_user_id), data.filter, fields)
    if data.customer_ids is not None:
        query = query.where(Customer.id.in_(data.customer_ids))
    found = repository.customers(session, query.order_by(Customer.id).with_for_update())
    return transfer(
        session,
        found,
        to_user_id=data.to_user_id,
        to_pool=pool,
        actor_id=caller.user_id,
        reason=data.reason,
        now=now,
    )


def receiver_of(session: Session, user_id: uuid.UUID) -> tuple[uuid.UUID | None, Pool | None]:
    """Who gets a disabled user's customers under the tenant's policy: a user, else a pool
    (the policy's, else the default), when the named user or head is missing or inactive."""
    rule = policy(session)
    receiver: uuid.UUID | None = None
    if rule.mode == "user":
        receiver = rule.user_id
    elif rule.mode == "department_head":
        receiver = _head_above(session, user_id)
    if receiver is not None and receiver != user_id:
        member = staff.get(session, receiver)
        if member is not None and member.status == ACTIVE:
            return receiver, None
    pool = repository.get(session, rule.pool_id) if rule.pool_id else None
    return None, pool or repository.default_pool(session)


def _head_above(session: Session, user_id: uuid.UUID) -> uuid.UUID | None:
    """The head of the user's department, or of the nearest one above headed by someone
    else (a head's own customers go to their superior's head)."""
    member = staff.get(session, user_id)
    department_id = member.department_id if member else None
    seen: set[uuid.UUID] = set()
    while department_id is not None and department_id not in seen:
        seen.add(department_id)
        department = repository.department(session, department_id)
        if department is None:
            return None
        if department.head_user_id is not None and department.head_user_id != user_id:
            return department.head_user_id
        department_id = department.parent_id
    return None


def hand_over_disabled(session: Session, *, user_id: uuid.UUID, now: datetime) -> int:
    to_user, to_pool = receiver_of(session, user_id)
    if to_user is None and to_pool is None:
        return 0
    found = repository.customers(
        session, repository.owned_by(session, user_id).order_by(Customer.id).with_for_update()
    )
    return transfer(
        session,
        found,
        to_user_id=to_user,
        to_pool=to_pool,
        actor_id=None,
        reason="owner disabled",
        now=now,
    )
