"""The caller of a job, written down when it is queued and rebuilt by the worker.

A worker holds no token to ask identity with, so a job runs with the permissions, field
rules and data scope its requester had when asking (as a request would, for its length).
"""

import uuid
from typing import Any

from crm_customers.common.access import Caller
from crmkit.access import FieldAccess, Grants, VisibleOwners
from crmkit.auth import Principal, PrincipalKind


def snapshot(caller: Caller) -> dict[str, Any]:
    principal, grants, owners = caller.principal, caller.grants, caller.owners
    return {
        "kind": principal.kind.value,
        "subject": principal.subject,
        "tenant_id": str(principal.tenant_id) if principal.tenant_id else None,
        "permissions": sorted(principal.permissions),
        "grant_permissions": sorted(grants.permissions),
        "scopes": dict(grants.scopes),
        "field_rules": [[m, f, a.value] for (m, f), a in sorted(grants.field_rules.items())],
        "sees_all": owners.all,
        "owner_ids": sorted(str(o) for o in owners.owner_ids),
    }


def restore(data: dict[str, Any]) -> Caller:
    principal = Principal(
        kind=PrincipalKind(data["kind"]),
        subject=data["subject"],
        tenant_id=uuid.UUID(data["tenant_id"]) if data["tenant_id"] else None,
        permissions=frozenset(data["permissions"]),
    )
    grants = Grants(
        permissions=frozenset(data["grant_permissions"]),
        scopes=dict(data["scopes"]),
        field_rules={(m, f): FieldAccess(a) for m, f, a in data["field_rules"]},
    )
    owners = VisibleOwners(
        all=bool(data["sees_all"]), owner_ids=frozenset(uuid.UUID(o) for o in data["owner_ids"])
    )
    return Caller(principal, grants, owners)
