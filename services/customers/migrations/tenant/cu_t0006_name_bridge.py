"""customers tenant tables: a company name's cross-script key (北京华强科技 ~ Huaqiang Tech)

Revision ID: cu_t0006
Revises: cu_t0005
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

from crm_customers.common.bridging import bridge_key
from crmkit.migrations import tenant_schema

revision = "cu_t0006"
down_revision = "cu_t0005"
branch_labels = None
depends_on = None

BATCH = 5000


def upgrade() -> None:
    schema = tenant_schema()
    op.add_column("customers", sa.Column("name_bridge_key", sa.String(300)), schema=schema)
    customers = sa.table(
        "customers",
        sa.column("id", sa.Uuid()),
        sa.column("kind", sa.String()),
        sa.column("name", sa.String()),
        sa.column("name_bridge_key", sa.String()),
        schema=schema,
    )
    connection = op.get_bind()
    after = None
    while True:  # existing companies, a batch at a time
        query = (
            sa.select(customers.c.id, customers.c.name)
            .where(customers.c.kind == "company")
            .order_by(customers.c.id)
            .limit(BATCH)
        )
        if after is not None:
            query = query.where(customers.c.id > after)
        rows = connection.execute(query).all()
        if not rows:
            break
        connection.execute(
            customers.update()
            .where(customers.c.id == sa.bindparam("row_id"))
            .values(name_bridge_key=sa.bindparam("key")),
            [{"row_id": row.id, "key": bridge_key(row.name)} for row in rows],
        )
        after = rows[-1].id
    op.create_index("ix_customers_name_bridge_key", "customers", ["name_bridge_key"], schema=schema)


def downgrade() -> None:
    schema = tenant_schema()
    op.drop_index("ix_customers_name_bridge_key", "customers", schema=schema)
    op.drop_column("customers", "name_bridge_key", schema=schema)
