"""Roles: validated against the permission catalogue; every change is audited and announced
(`identity.role.changed`), so services drop what they cached about their holders."""

import uuid
from typing import Any

from sqlalchemy.orm import Session

from crm_identity.audit import service as audit
from crm_identity.common.http import check_version
from crm_identity.roles import repository
from crm_identity.roles.builtin import builtin_roles
from crm_identity.roles.catalogue import CATALOGUE, unknown_permissions
from crm_identity.roles.models import Role
from crm_identity.users import repository as users
from crmkit.auth import Principal
from crmkit.errors import Conflict, InvalidInput, NotFound
from crmkit.events import record_event


def _validate(
    *,
    permissions: list[str] | None,
    scopes: dict[str, str] | None,
    field_rules: dict[str, dict[str, str]] | None,
) -> None:
    unknown = unknown_permissions(permissions or [])
    if unknown:
        raise InvalidInput.on_field("permissions", f"not in the catalogue: {', '.join(unknown)}")
    for module in scopes or {}:
        if module not in CATALOGUE:
            raise InvalidInput.on_field("scopes", f"no module {module!r}")
    for module, rules in (field_rules or {}).items():
        if module not in CATALOGUE:
            raise InvalidInput.on_field("field_rules", f"no module {module!r}")
        unknown_fields = sorted(set(rules) - set(CATALOGUE[module].fields))
        if unknown_fields:
            raise InvalidInput.on_field(
                "field_rules", f"{module} has no field {', '.join(unknown_fields)}"
            )


def _published(role: Role, *, change: str, holders: list[uuid.UUID]) -> dict[str, Any]:
    return {
        "id": str(role.id),
        "change": change,
        "name": role.name,
        "permissions": role.permissions,
        "scopes": role.scopes,
        "field_rules": role.field_rules,
        "version": role.version,
        "user_ids": [str(u) for u in holders],
    }


def get_role(session: Session, *, role_id: uuid.UUID) -> Role:
    role = repository.by_id(session, role_id)
    if role is None:
        raise NotFound("no such role")
    return role


def list_roles(session: Session) -> list[Role]:
    return repository.all_roles(session)


def create_builtin_roles(session: Session) -> dict[str, Role]:
    created = {}
    for builtin in builtin_roles():
        role = Role(
            builtin_key=builtin.key,
            name=builtin.name,
            description=builtin.description,
            permissions=sorted(builtin.permissions),
            scopes=dict(builtin.scopes),
            field_rules={m: dict(r) for m, r in builtin.field_rules.items()},
            version=1,
        )
        repository.add(session, role)
        created[builtin.key] = role
    return created


def create_role(
    session: Session,
    *,
    actor: Principal,
    name: str,
    description: str,
    permissions: list[str],
    scopes: dict[str, str],
    field_rules: dict[str, dict[str, str]],
) -> Role:
    _validate(permissions=permissions, scopes=scopes, field_rules=field_rules)
    if repository.named(session, name) is not None:
        raise Conflict("a role with this name exists")
    role = Role(
        name=name,
        description=description,
        permissions=sorted(set(permissions)),
        scopes=dict(scopes),
        field_rules={m: dict(r) for m, r in field_rules.items()},
        version=1,
    )
    repository.add(session, role)
    audit.record(
        session,
        action="role.created",
        actor=actor,
        target_type="role",
        target_id=role.id,
        details={"permissions": role.permissions, "scopes": role.scopes},
    )
    record_event(
        session, type="identity.role.changed", data=_published(role, change="created", holders=[])
    )
    return role


def update_role(
    session: Session,
    *,
    actor: Principal,
    role_id: uuid.UUID,
    changes: dict[str, Any],
    expected_version: int | None,
) -> Role:
    role = get_role(session, role_id=role_id)
    check_version(role.version, expected_version)
    _validate(
        permissions=changes.get("permissions"),
        scopes=changes.get("scopes"),
        field_rules=changes.get("field_rules"),
    )
    before = {
        "permissions": role.permissions,
        "scopes": role.scopes,
        "field_rules": role.field_rules,
    }
    if changes.get("name") is not None and changes["name"] != role.name:
        other = repository.named(session, changes["name"])
        if other is not None:
            raise Conflict("a role with this name exists")
        role.name = changes["name"]
    if changes.get("description") is not None:
        role.description = changes["description"]
    if changes.get("permissions") is not None:
        role.permissions = sorted(set(changes["permissions"]))
    if changes.get("scopes") is not None:
        role.scopes = dict(changes["scopes"])
    if changes.get("field_rules") is not None:
        role.field_rules = {m: dict(r) for m, r in changes["field_rules"].items()}
    role.version += 1
    session.flush()
    after = {
        "permissions": role.permissions,
        "scopes": role.scopes,
        "field_rules": role.field_rules,
    }
    audit.record(
        session,
        action="role.updated",
        actor=actor,
        target_type="role",
        target_id=role.id,
        details={"before": before, "after": after},
    )
    holders = users.holders_of(session, role.id)
    record_event(
        session,
        type="identity.role.changed",
        data=_published(role, change="updated", holders=holders),
    )
    return role


def delete_role(
    session: Session, *, actor: Principal, role_id: uuid.UUID, expected_version: int | None
) -> None:
    role = get_role(session, role_id=role_id)
    check_version(role.version, expected_version)
    if role.builtin_key is not None:
        raise Conflict("a built-in role can be edited but not deleted")
    holders = users.holders_of(session, role.id)
    repository.delete(session, role)
    audit.record(
        session,
        action="role.deleted",
        actor=actor,
        target_type="role",
        target_id=role_id,
        details={"name": role.name},
    )
    record_event(
        session,
        type="identity.role.changed",
        data=_published(role, change="deleted", holders=holders),
    )
