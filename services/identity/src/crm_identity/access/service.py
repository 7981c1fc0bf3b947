"""What a principal may do (grants) and whose records it may see (visible owners)."""

import uuid
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from crm_identity.apikeys import repository as api_keys
from crm_identity.org import repository as org
from crm_identity.roles import repository as roles
from crm_identity.roles.catalogue import CATALOGUE
from crm_identity.roles.scopes import DataScope, combine_field_rules, combine_scopes
from crm_identity.users import repository as users
from crm_identity.users.repository import OrgLink
from crmkit.auth import Principal, PrincipalKind
from crmkit.errors import NotFound


@dataclass(frozen=True)
class Grants:
    principal_id: str
    permissions: list[str]
    scopes: dict[str, DataScope]
    field_rules: dict[str, dict[str, str]] = field(default_factory=dict)

    def scope_for(self, module: str) -> DataScope:
        return self.scopes.get(module, DataScope.OWN)


def user_grants(session: Session, *, user_id: uuid.UUID) -> Grants:
    held = roles.of_user(session, user_id)
    return Grants(
        principal_id=str(user_id),
        permissions=sorted({p for role in held for p in role.permissions}),
        scopes=combine_scopes([role.scopes for role in held]),
        field_rules=combine_field_rules([role.field_rules for role in held]),
    )


def grants_of(session: Session, *, principal: Principal) -> Grants:
    subject = uuid.UUID(principal.subject)
    if principal.kind is PrincipalKind.USER:
        return user_grants(session, user_id=subject)
    if principal.kind is PrincipalKind.API_KEY:
        key = api_keys.by_id(session, subject)
        if key is None:
            raise NotFound("no such API key")
        modules = {p.partition(":")[0] for p in key.permissions}
        # An integration acts for the whole tenant in the modules it was given.
        return Grants(
            principal_id=principal.subject,
            permissions=sorted(key.permissions),
            scopes={m: DataScope.ALL for m in sorted(modules) if m in CATALOGUE},
        )
    return Grants(principal_id=principal.subject, permissions=[], scopes={})


def _effective_managers(
    links: list[OrgLink],
    heads: dict[uuid.UUID, uuid.UUID | None],
    parents: dict[uuid.UUID, uuid.UUID | None],
) -> dict[uuid.UUID, uuid.UUID | None]:
    """Whom each user reports to: their manager, else the head of the nearest department
    above them (their own first) that someone else heads."""
    managers: dict[uuid.UUID, uuid.UUID | None] = {}
    for link in links:
        manager = link.manager_id
        department = link.department_id
        while manager is None and department is not None:
            head = heads.get(department)
            if head is not None and head != link.id:
                manager = head
            department = parents.get(department)
        managers[link.id] = manager
    return managers


def _descendants(root: uuid.UUID, parents: dict[uuid.UUID, uuid.UUID | None]) -> set[uuid.UUID]:
    children: dict[uuid.UUID, list[uuid.UUID]] = {}
    for department, parent in parents.items():
        if parent is not None:
            children.setdefault(parent, []).append(department)
    found, todo = {root}, [root]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def visible_owner_ids(
    session: Session, *, user_id: uuid.UUID, scope: DataScope
) -> set[uuid.UUID] | None:
    """The users whose records `user_id` sees under `scope`; None means everyone's."""
    if scope is DataScope.ALL:
        return None
    if scope is DataScope.OWN:
        return {user_id}
    links = users.org_links(session)
    me = next((link for link in links if link.id == user_id), None)
    if me is None:
        return {user_id}
    departments = org.departments(session)
    parents = {d.id: d.parent_id for d in departments}
    if scope is DataScope.SUBORDINATES:
        heads = {d.id: d.head_user_id for d in departments}
        reports_to = _effective_managers(links, heads, parents)
        visible = {user_id}
        changed = True
        while changed:
            before = len(visible)
            visible |= {u for u, manager in reports_to.items() if manager in visible}
            changed = len(visible) != before
        return visible
    if me.department_id is None:
        return {user_id}
    if scope is DataScope.DEPARTMENT:
        wanted = {me.department_id}
    else:
        wanted = _descendants(me.department_id, parents)
    return {link.id for link in links if link.department_id in wanted} | {user_id}


def visible_owners_for(
    session: Session, *, principal: Principal, module: str
) -> tuple[DataScope, set[uuid.UUID] | None]:
    grants = grants_of(session, principal=principal)
    scope = grants.scope_for(module)
    if principal.kind is not PrincipalKind.USER:
        return scope, (None if scope is DataScope.ALL else set())
    return scope, visible_owner_ids(session, user_id=uuid.UUID(principal.subject), scope=scope)
