"""identity tenant tables: built-in roles of existing tenants get the permissions added since
(`customers:pool_manage`, `search:reindex`)

New tenants get them from `builtin_roles()` when their roles are seeded (after this runs, on
empty tables). The lists are written out here, not imported: a migration keeps meaning what
it meant when it shipped.

Revision ID: id_t0002
Revises: id_t0001
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

from crmkit.migrations import tenant_schema

revision = "id_t0002"
down_revision = "id_t0001"
branch_labels = None
depends_on = None

ADDED = {
    "tenant_admin": ["customers:pool_manage", "search:reindex"],
    "sales_manager": ["customers:pool_manage"],
}


def upgrade() -> None:
    roles = sa.table(
        "roles",
        sa.column("builtin_key", sa.String()),
        sa.column("permissions", sa.JSON()),
        sa.column("version", sa.Integer()),
        schema=tenant_schema(),
    )
    connection = op.get_bind()
    for key, permissions in ADDED.items():
        row = connection.execute(
            sa.select(roles.c.permissions).where(roles.c.builtin_key == key)
        ).first()
        if row is None:
            continue
        held = list(row.permissions or [])
        missing = [p for p in permissions if p not in held]
        if missing:
            connection.execute(
                roles.update()
                .where(roles.c.builtin_key == key)
                .values(permissions=sorted(held + missing), version=roles.c.version + 1)
            )


def downgrade() -> None:
    pass  # permissions granted stay granted: taking them back is an admin's decision
