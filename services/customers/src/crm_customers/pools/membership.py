"""Who may browse and claim from a pool: its named users and departments (none named: every
user), and pool managers (`customers:pool_manage`) everywhere, trash included."""

import uuid

from sqlalchemy.orm import Session

from crm_customers.common.access import Caller
from crm_customers.customers.models import Customer
from crm_customers.pools import repository
from crm_customers.pools.models import Pool
from crm_customers.staff import repository as staff

MANAGE = "pool_manage"


def is_manager(caller: Caller) -> bool:
    return caller.can(MANAGE)


def is_member(session: Session, caller: Caller, pool: Pool) -> bool:
    if is_manager(caller):
        return True
    return user_is_member(session, caller.user_id, pool)


def user_is_member(session: Session, user_id: uuid.UUID | None, pool: Pool) -> bool:
    if user_id is None:
        return False
    if not pool.member_user_ids and not pool.member_department_ids:
        return True
    if str(user_id) in pool.member_user_ids:
        return True
    member = staff.get(session, user_id)
    return bool(
        member is not None
        and member.department_id is not None
        and str(member.department_id) in pool.member_department_ids
    )


def browses(session: Session, caller: Caller, customer: Customer) -> bool:
    """A pooled customer is seen (masked) by the members of its pool; trash by managers."""
    if customer.pool_id is None:
        return False
    if is_manager(caller):
        return True
    if customer.pool_trashed_at is not None:
        return False
    pool = repository.get(session, customer.pool_id)
    return pool is not None and user_is_member(session, caller.user_id, pool)
