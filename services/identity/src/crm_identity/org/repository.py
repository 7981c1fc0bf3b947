import uuid

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from crm_identity.org.models import Department, Position
from crm_identity.users.models import User


def department(session: Session, department_id: uuid.UUID) -> Department | None:
    return session.scalars(select(Department).where(Department.id == department_id)).first()


def departments(session: Session) -> list[Department]:
    return list(
        session.scalars(
            select(Department).order_by(Department.sort_order, Department.name, Department.id)
        )
    )


def parents(session: Session) -> dict[uuid.UUID, uuid.UUID | None]:
    return {
        row.id: row.parent_id
        for row in session.execute(select(Department.id, Department.parent_id))
    }


def has_children(session: Session, department_id: uuid.UUID) -> bool:
    return bool(session.scalar(select(exists().where(Department.parent_id == department_id))))


def has_members(session: Session, department_id: uuid.UUID) -> bool:
    return bool(session.scalar(select(exists().where(User.department_id == department_id))))


def add(session: Session, record: Department | Position) -> None:
    session.add(record)
    session.flush()


def delete(session: Session, record: Department | Position) -> None:
    session.delete(record)
    session.flush()


def position(session: Session, position_id: uuid.UUID) -> Position | None:
    return session.scalars(select(Position).where(Position.id == position_id)).first()


def position_named(session: Session, name: str) -> Position | None:
    return session.scalars(select(Position).where(Position.name == name)).first()


def positions(session: Session) -> list[Position]:
    return list(session.scalars(select(Position).order_by(Position.name, Position.id)))


def position_in_use(session: Session, position_id: uuid.UUID) -> bool:
    return bool(session.scalar(select(exists().where(User.position_id == position_id))))
