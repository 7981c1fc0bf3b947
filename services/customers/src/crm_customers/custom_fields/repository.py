import uuid

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from crm_customers.custom_fields.models import CustomField, CustomUniqueValue


def active(session: Session, entity: str) -> list[CustomField]:
    return list(
        session.scalars(
            select(CustomField)
            .where(CustomField.entity == entity, CustomField.deleted_at.is_(None))
            .order_by(CustomField.position, CustomField.key)
        )
    )


def all_fields(session: Session, entity: str | None, *, removed: bool) -> list[CustomField]:
    query = select(CustomField).order_by(CustomField.entity, CustomField.position, CustomField.key)
    if entity is not None:
        query = query.where(CustomField.entity == entity)
    if not removed:
        query = query.where(CustomField.deleted_at.is_(None))
    return list(session.scalars(query))


def by_id(session: Session, field_id: uuid.UUID) -> CustomField | None:
    return session.get(CustomField, field_id)


def by_key(session: Session, entity: str, key: str) -> CustomField | None:
    return session.scalar(
        select(CustomField).where(
            CustomField.entity == entity, CustomField.key == key, CustomField.deleted_at.is_(None)
        )
    )


def add(session: Session, field: CustomField) -> None:
    session.add(field)
    session.flush()


def release_values(session: Session, *, field_id: uuid.UUID, record_id: uuid.UUID) -> None:
    session.execute(
        delete(CustomUniqueValue).where(
            CustomUniqueValue.field_id == field_id, CustomUniqueValue.record_id == record_id
        )
    )


def release_record(session: Session, record_id: uuid.UUID) -> None:
    session.execute(delete(CustomUniqueValue).where(CustomUniqueValue.record_id == record_id))


def claim_value(session: Session, *, field_id: uuid.UUID, value: str, record_id: uuid.UUID) -> None:
    """Raises IntegrityError (at flush) when another record holds the value."""
    session.add(CustomUniqueValue(field_id=field_id, value=value, record_id=record_id))
    session.flush()


def holder(session: Session, *, field_id: uuid.UUID, value: str) -> uuid.UUID | None:
    return session.scalar(
        select(CustomUniqueValue.record_id).where(
            CustomUniqueValue.field_id == field_id, CustomUniqueValue.value == value
        )
    )


def purge(session: Session, field: CustomField) -> None:
    session.execute(delete(CustomUniqueValue).where(CustomUniqueValue.field_id == field.id))
    session.delete(field)
    session.flush()
