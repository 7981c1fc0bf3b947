import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm_identity.apikeys.models import ApiKey


def by_id(session: Session, key_id: uuid.UUID) -> ApiKey | None:
    return session.scalars(select(ApiKey).where(ApiKey.id == key_id)).first()


def by_hash(session: Session, secret_hash: str) -> ApiKey | None:
    return session.scalars(select(ApiKey).where(ApiKey.secret_hash == secret_hash)).first()


def all_keys(session: Session) -> list[ApiKey]:
    return list(session.scalars(select(ApiKey).order_by(ApiKey.created_at.desc(), ApiKey.id)))


def add(session: Session, key: ApiKey) -> None:
    session.add(key)
    session.flush()
