"""customers tenant tables: indexes for the list's sortable columns

Without them, sorting a 1,000,000-customer tenant by name took ~1.2 s per page (a top-N sort
over every row); with `(column, id)` the keyset pages read in index order.

Revision ID: cu_t0007
Revises: cu_t0006
Create Date: 2026-11-24
"""

from alembic import op

from crmkit.migrations import tenant_schema

revision = "cu_t0007"
down_revision = "cu_t0006"
branch_labels = None
depends_on = None

SORTED_BY = ("name", "created_at", "next_follow_up_at", "potential_score")


def upgrade() -> None:
    schema = tenant_schema()
    for column in SORTED_BY:
        op.create_index(f"ix_customers_sort_{column}", "customers", [column, "id"], schema=schema)


def downgrade() -> None:
    schema = tenant_schema()
    for column in SORTED_BY:
        op.drop_index(f"ix_customers_sort_{column}", "customers", schema=schema)
