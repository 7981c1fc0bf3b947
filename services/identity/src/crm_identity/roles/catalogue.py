"""The permission catalogue: what each module lets a role grant.

Each module (the service that owns it declares it here, in one entry) lists its function
actions (granted as `module:action`) and the fields a role may hide, mask or make
read-only. Identity refuses a role that grants anything not listed.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class ModuleCatalogue:
    actions: tuple[str, ...]
    fields: tuple[str, ...] = ()


CATALOGUE: dict[str, ModuleCatalogue] = {
    "identity": ModuleCatalogue(
        actions=(
            "manage_tenant",
            "manage_org",
            "manage_users",
            "manage_roles",
            "manage_api_keys",
            "manage_portal",
            "view_audit",
        ),
        fields=("email",),
    ),
    "customers": ModuleCatalogue(
        actions=(
            "view",
            "create",
            "update",
            "delete",
            "export",
            "import",
            "view_phone",
            "transfer",
            "claim_from_pool",
            "pool_manage",
            "force_create",
            "merge",
            "manage_settings",
        ),
        fields=("phone", "email", "address", "annual_revenue", "tags"),
    ),
    "sales": ModuleCatalogue(
        actions=("view", "create", "update", "delete", "export", "approve", "manage_products"),
        fields=("amount", "discount", "cost", "margin"),
    ),
    "tickets": ModuleCatalogue(
        actions=("view", "create", "update", "assign", "close", "export", "manage_sla"),
        fields=("customer_phone", "internal_notes"),
    ),
    "files": ModuleCatalogue(actions=("view", "upload", "delete")),
    "search": ModuleCatalogue(actions=("use", "view_reports", "manage_dashboards", "reindex")),
}


def all_permissions() -> list[str]:
    return sorted(f"{module}:{action}" for module, c in CATALOGUE.items() for action in c.actions)


def unknown_permissions(permissions: list[str]) -> list[str]:
    known = set(all_permissions())
    return [p for p in permissions if p not in known]
