"""The roles every tenant starts with; admins may edit them like any other."""

from dataclasses import dataclass, field

from crm_identity.roles.catalogue import CATALOGUE, all_permissions
from crm_identity.roles.scopes import DataScope


@dataclass(frozen=True)
class BuiltinRole:
    key: str
    name: str
    description: str
    permissions: list[str]
    scopes: dict[str, str]
    field_rules: dict[str, dict[str, str]] = field(default_factory=dict)


TENANT_ADMIN = "tenant_admin"
SALES_MANAGER = "sales_manager"
SALES_REP = "sales_rep"
SERVICE_AGENT = "service_agent"


def builtin_roles() -> list[BuiltinRole]:
    everything = {module: DataScope.ALL.value for module in CATALOGUE}
    return [
        BuiltinRole(
            TENANT_ADMIN,
            "Tenant admin",
            "Everything, across the whole tenant",
            all_permissions(),
            everything,
        ),
        BuiltinRole(
            SALES_MANAGER,
            "Sales manager",
            "Customers and sales of the manager's department and its sub-departments",
            [
                *(f"customers:{a}" for a in ("view", "create", "update", "export", "view_phone")),
                *(f"customers:{a}" for a in ("transfer", "claim_from_pool", "pool_manage")),
                *(f"sales:{a}" for a in ("view", "create", "update", "export", "approve")),
                "files:view",
                "files:upload",
                "search:use",
                "search:view_reports",
            ],
            {
                "customers": DataScope.DEPARTMENT_TREE.value,
                "sales": DataScope.DEPARTMENT_TREE.value,
                "identity": DataScope.DEPARTMENT_TREE.value,
                "files": DataScope.DEPARTMENT_TREE.value,
            },
        ),
        BuiltinRole(
            SALES_REP,
            "Sales rep",
            "The rep's own customers and sales",
            [
                "customers:view",
                "customers:create",
                "customers:update",
                "customers:claim_from_pool",
                "sales:view",
                "sales:create",
                "sales:update",
                "files:view",
                "files:upload",
                "search:use",
            ],
            {
                "customers": DataScope.OWN.value,
                "sales": DataScope.OWN.value,
                "identity": DataScope.OWN.value,
                "files": DataScope.OWN.value,
            },
            {"sales": {"cost": "hidden", "margin": "hidden"}},
        ),
        BuiltinRole(
            SERVICE_AGENT,
            "Service agent",
            "Tickets assigned to the agent; customers read-only",
            [
                "tickets:view",
                "tickets:create",
                "tickets:update",
                "tickets:close",
                "customers:view",
                "files:view",
                "files:upload",
                "search:use",
            ],
            {
                "tickets": DataScope.OWN.value,
                "customers": DataScope.ALL.value,
                "identity": DataScope.OWN.value,
                "files": DataScope.OWN.value,
            },
            {"customers": {"phone": "masked", "annual_revenue": "hidden"}},
        ),
    ]
