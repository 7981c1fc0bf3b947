"""customers tenant tables: indexes for the list's other sorts (status, level, province), and
for descending sorts on columns that may be empty

The list orders `column ASC NULLS LAST, id ASC` or `column DESC NULLS LAST, id DESC` (empties
last both ways; crmkit.pagination). `(column, id)` read backwards gives `DESC NULLS FIRST`, so
a nullable column needs a second index for its descending sort, or each page sorts every
row: cu_t0007's `next_follow_up_at` and `potential_score` did, descending. `status` is never
NULL: one index serves both directions. cu_t0005's `ix_customers_potential_score` was the
same `(potential_score, id)` as cu_t0007's sort index: dropped, one less to write.

Revision ID: cu_t0009
Revises: cu_t0008
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

from crmkit.migrations import tenant_schema

revision = "cu_t0009"
down_revision = "cu_t0008"
branch_labels = None
depends_on = None

BOTH_WAYS = ("status",)  # NOT NULL
ASCENDING = ("level", "province")
DESCENDING = ("level", "province", "next_follow_up_at", "potential_score")  # nullable


def _descending(column: str) -> list[sa.TextClause]:
    return [sa.text(f"{column} DESC NULLS LAST"), sa.text("id DESC")]


def upgrade() -> None:
    schema = tenant_schema()
    op.drop_index("ix_customers_potential_score", "customers", schema=schema)
    for column in (*BOTH_WAYS, *ASCENDING):
        op.create_index(f"ix_customers_sort_{column}", "customers", [column, "id"], schema=schema)
    for column in DESCENDING:
        op.create_index(
            f"ix_customers_sort_{column}_desc", "customers", _descending(column), schema=schema
        )


def downgrade() -> None:
    schema = tenant_schema()
    for column in DESCENDING:
        op.drop_index(f"ix_customers_sort_{column}_desc", "customers", schema=schema)
    for column in (*BOTH_WAYS, *ASCENDING):
        op.drop_index(f"ix_customers_sort_{column}", "customers", schema=schema)
    op.create_index(
        "ix_customers_potential_score", "customers", ["potential_score", "id"], schema=schema
    )
