"""The org tree: departments under one another without cycles, each with a head; positions."""

import uuid
from typing import Any

from sqlalchemy.orm import Session

from crm_identity.common.http import check_version
from crm_identity.org import repository
from crm_identity.org.models import Department, Position
from crm_identity.users import repository as users
from crmkit.errors import Conflict, InvalidInput, NotFound
from crmkit.events import record_event


def get_department(session: Session, *, department_id: uuid.UUID) -> Department:
    department = repository.department(session, department_id)
    if department is None:
        raise NotFound("no such department")
    return department


def list_departments(session: Session) -> list[Department]:
    return repository.departments(session)


def _check_parent(session: Session, department_id: uuid.UUID | None, parent_id: uuid.UUID) -> None:
    parents = repository.parents(session)
    if parent_id not in parents:
        raise InvalidInput.on_field("parent_id", "no such department")
    ancestor: uuid.UUID | None = parent_id
    while ancestor is not None:
        if ancestor == department_id:
            raise InvalidInput.on_field("parent_id", "a department cannot move under itself")
        ancestor = parents.get(ancestor)


def _check_head(session: Session, head_user_id: uuid.UUID | None) -> None:
    if head_user_id is not None and users.by_id(session, head_user_id) is None:
        raise InvalidInput.on_field("head_user_id", "no such user")


def _published(department: Department) -> dict[str, Any]:
    return {
        "id": str(department.id),
        "name": department.name,
        "parent_id": str(department.parent_id) if department.parent_id else None,
        "head_user_id": str(department.head_user_id) if department.head_user_id else None,
        "version": department.version,
    }


def create_department(
    session: Session,
    *,
    name: str,
    parent_id: uuid.UUID | None,
    sort_order: int,
    head_user_id: uuid.UUID | None,
) -> Department:
    if parent_id is not None:
        _check_parent(session, None, parent_id)
    _check_head(session, head_user_id)
    department = Department(
        name=name, parent_id=parent_id, sort_order=sort_order, head_user_id=head_user_id
    )
    repository.add(session, department)
    record_event(session, type="identity.department.created", data=_published(department))
    return department


def update_department(
    session: Session,
    *,
    department_id: uuid.UUID,
    changes: dict[str, Any],
    expected_version: int | None,
) -> Department:
    department = get_department(session, department_id=department_id)
    check_version(department.version, expected_version)
    if "parent_id" in changes and changes["parent_id"] != department.parent_id:
        if changes["parent_id"] is not None:
            _check_parent(session, department.id, changes["parent_id"])
        department.parent_id = changes["parent_id"]
    if "head_user_id" in changes:
        _check_head(session, changes["head_user_id"])
        department.head_user_id = changes["head_user_id"]
    if changes.get("name") is not None:
        department.name = changes["name"]
    if changes.get("sort_order") is not None:
        department.sort_order = changes["sort_order"]
    department.version += 1
    session.flush()
    record_event(session, type="identity.department.updated", data=_published(department))
    return department


def delete_department(
    session: Session, *, department_id: uuid.UUID, expected_version: int | None
) -> None:
    department = get_department(session, department_id=department_id)
    check_version(department.version, expected_version)
    if repository.has_children(session, department.id):
        raise Conflict("the department has sub-departments")
    if repository.has_members(session, department.id):
        raise Conflict("the department has users")
    repository.delete(session, department)
    record_event(session, type="identity.department.deleted", data={"id": str(department_id)})


def get_position(session: Session, *, position_id: uuid.UUID) -> Position:
    position = repository.position(session, position_id)
    if position is None:
        raise NotFound("no such position")
    return position


def list_positions(session: Session) -> list[Position]:
    return repository.positions(session)


def create_position(session: Session, *, name: str) -> Position:
    if repository.position_named(session, name) is not None:
        raise Conflict("a position with this name exists", errors=[])
    position = Position(name=name)
    repository.add(session, position)
    return position


def rename_position(
    session: Session, *, position_id: uuid.UUID, name: str, expected_version: int | None
) -> Position:
    position = get_position(session, position_id=position_id)
    check_version(position.version, expected_version)
    other = repository.position_named(session, name)
    if other is not None and other.id != position.id:
        raise Conflict("a position with this name exists")
    position.name = name
    position.version += 1
    session.flush()
    return position


def delete_position(
    session: Session, *, position_id: uuid.UUID, expected_version: int | None
) -> None:
    position = get_position(session, position_id=position_id)
    check_version(position.version, expected_version)
    if repository.position_in_use(session, position.id):
        raise Conflict("users hold this position")
    repository.delete(session, position)
