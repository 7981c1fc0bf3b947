import uuid
from collections.abc import Collection

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm_identity.roles.models import Role
from crm_identity.users.models import UserRole


def by_id(session: Session, role_id: uuid.UUID) -> Role | None:
    return session.scalars(select(Role).where(Role.id == role_id)).first()


def by_ids(session: Session, role_ids: Collection[uuid.UUID]) -> list[Role]:
    return list(session.scalars(select(Role).where(Role.id.in_(list(role_ids)))))


def named(session: Session, name: str) -> Role | None:
    return session.scalars(select(Role).where(Role.name == name)).first()


def all_roles(session: Session) -> list[Role]:
    return list(session.scalars(select(Role).order_by(Role.name, Role.id)))


def of_user(session: Session, user_id: uuid.UUID) -> list[Role]:
    return list(
        session.scalars(
            select(Role)
            .join(UserRole, UserRole.role_id == Role.id)
            .where(UserRole.user_id == user_id)
            .order_by(Role.name)
        )
    )


def add(session: Session, role: Role) -> None:
    session.add(role)
    session.flush()


def delete(session: Session, role: Role) -> None:
    session.delete(role)
    session.flush()
