import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm_identity.portal.models import PortalAccount


def by_id(session: Session, account_id: uuid.UUID) -> PortalAccount | None:
    return session.scalars(select(PortalAccount).where(PortalAccount.id == account_id)).first()


def by_email(session: Session, email: str) -> PortalAccount | None:
    return session.scalars(select(PortalAccount).where(PortalAccount.email == email)).first()


def all_accounts(session: Session) -> list[PortalAccount]:
    return list(session.scalars(select(PortalAccount).order_by(PortalAccount.email)))


def add(session: Session, account: PortalAccount) -> None:
    session.add(account)
    session.flush()
