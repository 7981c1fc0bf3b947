import uuid

from sqlalchemy.orm import Session

from crm_customers.customers.models import TenantSetting
from crm_customers.staff.models import StaffMember

ACCESS_EPOCH = "access_epoch"


def get(session: Session, user_id: uuid.UUID) -> StaffMember | None:
    return session.get(StaffMember, user_id)


def add(session: Session, member: StaffMember) -> None:
    session.add(member)


def access_epoch(session: Session) -> int:
    stored = session.get(TenantSetting, ACCESS_EPOCH)
    return int(stored.value) if stored is not None else 0


def bump_access_epoch(session: Session) -> None:
    stored = session.get(TenantSetting, ACCESS_EPOCH, with_for_update=True)
    if stored is None:
        session.add(TenantSetting(key=ACCESS_EPOCH, value=1))
    else:
        stored.value = int(stored.value) + 1
    session.flush()
