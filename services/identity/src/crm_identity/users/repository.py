import uuid
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row, Select, delete, select
from sqlalchemy.orm import Session

from crm_identity.org.models import Department
from crm_identity.users.models import User, UserRole, UserStatus
from crmkit.pagination import SortKey, page_of, paginate


@dataclass(frozen=True)
class OrgLink:
    """Where a user sits: enough to work out data scopes for the whole tenant at once."""

    id: uuid.UUID
    department_id: uuid.UUID | None
    manager_id: uuid.UUID | None


def by_id(session: Session, user_id: uuid.UUID, *, for_update: bool = False) -> User | None:
    if for_update:
        return session.scalars(select(User).where(User.id == user_id).with_for_update()).first()
    return session.scalars(select(User).where(User.id == user_id)).first()


def by_email(session: Session, email: str) -> User | None:
    return session.scalars(select(User).where(User.email == email)).first()


def add(session: Session, user: User) -> None:
    session.add(user)
    session.flush()


def page(
    session: Session,
    *,
    only_ids: Collection[uuid.UUID] | None,
    department_id: uuid.UUID | None,
    status: str | None,
    limit: int,
    cursor: str | None,
) -> tuple[list[User], str | None]:
    query = select(User)
    if only_ids is not None:
        query = query.where(User.id.in_(list(only_ids)))
    if department_id is not None:
        query = query.where(User.department_id == department_id)
    if status is not None:
        query = query.where(User.status == status)
    key = SortKey(User.email.expression, User.id.expression)
    rows = session.scalars(paginate(query, key=key, limit=limit, cursor=cursor)).all()
    return page_of(rows, limit=limit, key_of=lambda u: (u.email, u.id))


@dataclass(frozen=True)
class DirectoryEntry:
    id: uuid.UUID
    name: str
    department_name: str | None
    active: bool = True


def _directory_query() -> Select[Any]:
    return select(
        User.id, User.name, Department.name.label("department_name"), User.status
    ).outerjoin(Department, Department.id == User.department_id)


def _entry(row: Row[Any]) -> DirectoryEntry:
    return DirectoryEntry(row.id, row.name, row.department_name, row.status == UserStatus.ACTIVE)


def directory_page(
    session: Session, *, contains: str, limit: int, cursor: str | None
) -> tuple[list[DirectoryEntry], str | None]:
    """Active users by name, with their department's name; `contains` matches anywhere in
    the name, case-insensitively (LIKE's wildcards in it are matched literally)."""
    query = _directory_query().where(User.status == UserStatus.ACTIVE)
    if contains:
        query = query.where(User.name.icontains(contains, autoescape=True))
    key = SortKey(User.name.expression, User.id.expression)
    rows = session.execute(paginate(query, key=key, limit=limit, cursor=cursor)).all()
    entries = [_entry(r) for r in rows]
    return page_of(entries, limit=limit, key_of=lambda e: (e.name, e.id))


def directory_entries(session: Session, ids: Collection[uuid.UUID]) -> list[DirectoryEntry]:
    """These users whatever their status, in name order (ids of no user are left out)."""
    query = _directory_query().where(User.id.in_(list(ids))).order_by(User.name, User.id)
    return [_entry(r) for r in session.execute(query)]


def org_links(session: Session) -> list[OrgLink]:
    rows = session.execute(select(User.id, User.department_id, User.manager_id))
    return [OrgLink(id=r.id, department_id=r.department_id, manager_id=r.manager_id) for r in rows]


def role_ids(session: Session, user_id: uuid.UUID) -> list[uuid.UUID]:
    return list(
        session.scalars(
            select(UserRole.role_id).where(UserRole.user_id == user_id).order_by(UserRole.role_id)
        )
    )


def holders_of(session: Session, role_id: uuid.UUID) -> list[uuid.UUID]:
    return list(session.scalars(select(UserRole.user_id).where(UserRole.role_id == role_id)))


def set_roles(session: Session, user_id: uuid.UUID, role_ids: Collection[uuid.UUID]) -> None:
    session.execute(delete(UserRole).where(UserRole.user_id == user_id))
    session.add_all(UserRole(user_id=user_id, role_id=r) for r in role_ids)
    session.flush()
