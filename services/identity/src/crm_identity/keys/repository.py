from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from crm_identity.keys.models import SigningKey


def current(session: Session) -> SigningKey | None:
    return session.scalars(
        select(SigningKey)
        .where(SigningKey.retired_at.is_(None))
        .order_by(SigningKey.created_at.desc())
        .limit(1)
    ).first()


def verifying(session: Session, *, retired_after: datetime) -> list[SigningKey]:
    """The current key and the retired ones whose tokens may still be unexpired."""
    return list(
        session.scalars(
            select(SigningKey)
            .where(or_(SigningKey.retired_at.is_(None), SigningKey.retired_at > retired_after))
            .order_by(SigningKey.created_at)
        )
    )


def lock_rotation(session: Session) -> None:
    """Replicas rotating at once would each add a key; one at a time."""
    session.execute(select(func.pg_advisory_xact_lock(func.hashtext("identity.signing_keys"))))


def add(session: Session, key: SigningKey) -> None:
    session.add(key)
    session.flush()
