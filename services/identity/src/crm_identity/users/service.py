"""Staff users: create, edit, move, disable and re-enable, passwords, roles held."""

import re
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from crm_identity.audit import service as audit
from crm_identity.auth import repository as sessions
from crm_identity.common.http import check_version
from crm_identity.common.passwords import check_strength, hash_password, verify_password
from crm_identity.org import repository as org
from crm_identity.roles import repository as roles
from crm_identity.users import repository
from crm_identity.users.models import User, UserStatus
from crmkit.auth import Principal
from crmkit.errors import Conflict, InvalidInput, NotFound
from crmkit.events import record_event
from crmkit.ids import parse_ids as parse_id_list
from crmkit.ids import split_ids

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def normalise_email(email: str, *, field: str = "email") -> str:
    email = email.strip().lower()
    if not EMAIL.match(email):
        raise InvalidInput.on_field(field, "not an email address")
    return email


def published(user: User, role_ids: list[uuid.UUID]) -> dict[str, Any]:
    return {
        "id": str(user.id),
        "email": user.email,
        "name": user.name,
        "department_id": str(user.department_id) if user.department_id else None,
        "position_id": str(user.position_id) if user.position_id else None,
        "manager_id": str(user.manager_id) if user.manager_id else None,
        "status": user.status,
        "role_ids": [str(r) for r in role_ids],
        "version": user.version,
    }


def get_user(session: Session, *, user_id: uuid.UUID) -> User:
    user = repository.by_id(session, user_id)
    if user is None:
        raise NotFound("no such user")
    return user


def _check_links(session: Session, changes: dict[str, Any], user_id: uuid.UUID | None) -> None:
    if changes.get("department_id") and org.department(session, changes["department_id"]) is None:
        raise InvalidInput.on_field("department_id", "no such department")
    if changes.get("position_id") and org.position(session, changes["position_id"]) is None:
        raise InvalidInput.on_field("position_id", "no such position")
    manager_id = changes.get("manager_id")
    if manager_id:
        managers = {link.id: link.manager_id for link in repository.org_links(session)}
        if manager_id not in managers:
            raise InvalidInput.on_field("manager_id", "no such user")
        step: uuid.UUID | None = manager_id
        while step is not None:
            if step == user_id:
                raise InvalidInput.on_field("manager_id", "a user cannot report to themselves")
            step = managers.get(step)
    role_ids = changes.get("role_ids")
    if role_ids and len(roles.by_ids(session, set(role_ids))) != len(set(role_ids)):
        raise InvalidInput.on_field("role_ids", "no such role")


def create_user(
    session: Session,
    *,
    actor: Principal | None,
    email: str,
    name: str,
    password: str,
    department_id: uuid.UUID | None = None,
    position_id: uuid.UUID | None = None,
    manager_id: uuid.UUID | None = None,
    role_ids: list[uuid.UUID] | None = None,
) -> User:
    email = normalise_email(email)
    check_strength(password, field="password")
    role_ids = sorted(set(role_ids or []))
    _check_links(
        session,
        {
            "department_id": department_id,
            "position_id": position_id,
            "manager_id": manager_id,
            "role_ids": role_ids,
        },
        None,
    )
    if repository.by_email(session, email) is not None:
        raise Conflict("a user with this email exists")
    user = User(
        email=email,
        name=name,
        password_hash=hash_password(password),
        department_id=department_id,
        position_id=position_id,
        manager_id=manager_id,
        status=UserStatus.ACTIVE,
        version=1,
    )
    repository.add(session, user)
    repository.set_roles(session, user.id, role_ids)
    record_event(session, type="identity.user.created", data=published(user, role_ids))
    audit.record(
        session,
        action="user.created",
        actor=actor,
        target_type="user",
        target_id=user.id,
        details={"role_ids": [str(r) for r in role_ids]},
    )
    return user


def update_user(
    session: Session,
    *,
    actor: Principal,
    user_id: uuid.UUID,
    changes: dict[str, Any],
    expected_version: int | None,
    now: datetime,
) -> User:
    user = get_user(session, user_id=user_id)
    check_version(user.version, expected_version)
    _check_links(session, changes, user.id)
    if changes.get("email") is not None:
        email = normalise_email(changes["email"])
        other = repository.by_email(session, email)
        if other is not None and other.id != user.id:
            raise Conflict("a user with this email exists")
        user.email = email
    if changes.get("name") is not None:
        user.name = changes["name"]
    for link in ("department_id", "position_id", "manager_id"):
        if link in changes:
            setattr(user, link, changes[link])
    role_ids = repository.role_ids(session, user.id)
    if changes.get("role_ids") is not None and sorted(set(changes["role_ids"])) != role_ids:
        new_roles = sorted(set(changes["role_ids"]))
        repository.set_roles(session, user.id, new_roles)
        audit.record(
            session,
            action="user.roles_changed",
            actor=actor,
            target_type="user",
            target_id=user.id,
            details={"before": [str(r) for r in role_ids], "after": [str(r) for r in new_roles]},
        )
        role_ids = new_roles
    user.version += 1
    session.flush()
    record_event(session, type="identity.user.updated", data=published(user, role_ids))
    status = changes.get("status")
    if status is not None and status != user.status:
        set_status(session, actor=actor, user_id=user.id, status=UserStatus(status), now=now)
    return user


def set_status(
    session: Session, *, actor: Principal, user_id: uuid.UUID, status: UserStatus, now: datetime
) -> User:
    """Disabling ends every session of the user at once: their tokens are refused by every
    service within the session check's cache time (see crmkit.sessions)."""
    user = get_user(session, user_id=user_id)
    if user.status == status:
        return user
    if status == UserStatus.DISABLED and actor.subject == str(user.id):
        raise InvalidInput.on_field("status", "you cannot disable yourself")
    user.status = status
    user.version += 1
    session.flush()
    verb = "disabled" if status == UserStatus.DISABLED else "enabled"
    if status == UserStatus.DISABLED:
        sessions.end_sessions_of(session, user.id, reason="user_disabled", now=now)
    record_event(
        session,
        type=f"identity.user.{verb}",
        data=published(user, repository.role_ids(session, user.id)),
    )
    audit.record(session, action=f"user.{verb}", actor=actor, target_type="user", target_id=user.id)
    return user


def reset_password(
    session: Session, *, actor: Principal, user_id: uuid.UUID, new_password: str, now: datetime
) -> None:
    user = get_user(session, user_id=user_id)
    check_strength(new_password, field="new_password")
    user.password_hash = hash_password(new_password)
    sessions.end_sessions_of(session, user.id, reason="password_reset", now=now)
    audit.record(
        session, action="user.password_reset", actor=actor, target_type="user", target_id=user.id
    )


def change_own_password(
    session: Session,
    *,
    actor: Principal,
    current_password: str,
    new_password: str,
    now: datetime,
) -> None:
    """Other sessions end; the one making the change goes on."""
    user = get_user(session, user_id=uuid.UUID(actor.subject))
    if not verify_password(user.password_hash, current_password):
        raise InvalidInput.on_field("current_password", "does not match")
    check_strength(new_password, field="new_password")
    user.password_hash = hash_password(new_password)
    keep = uuid.UUID(actor.session_id) if actor.session_id else None
    sessions.end_sessions_of(session, user.id, reason="password_changed", now=now, keep=keep)
    audit.record(
        session, action="user.password_changed", actor=actor, target_type="user", target_id=user.id
    )


def list_users(
    session: Session,
    *,
    visible: set[uuid.UUID] | None,
    department_id: uuid.UUID | None,
    status: str | None,
    limit: int,
    cursor: str | None,
) -> tuple[list[User], str | None]:
    return repository.page(
        session,
        only_ids=visible,
        department_id=department_id,
        status=status,
        limit=limit,
        cursor=cursor,
    )


def directory(
    session: Session, *, q: str, limit: int, cursor: str | None
) -> tuple[list[repository.DirectoryEntry], str | None]:
    """Everyone active in the tenant, for choosing a person: unlike `list_users` it ignores
    the caller's data scope, so it tells only who exists (name and department)."""
    return repository.directory_page(session, contains=q.strip(), limit=limit, cursor=cursor)


MAX_NAMED_IDS = 200


def parse_ids(raw: str) -> list[uuid.UUID]:
    """`ids=<id>,<id>` as the directory takes it: at most 200 distinct user ids."""
    return parse_id_list(split_ids(raw), field="ids", at_most=MAX_NAMED_IDS, what="user id")


def named(session: Session, *, ids: list[uuid.UUID]) -> list[repository.DirectoryEntry]:
    """Names for ids a page shows (owners, uploaders, authors), disabled users included:
    a former colleague's name stays on the records they left behind."""
    return repository.directory_entries(session, ids) if ids else []


def role_ids_of(session: Session, *, user_id: uuid.UUID) -> list[uuid.UUID]:
    return repository.role_ids(session, user_id)
