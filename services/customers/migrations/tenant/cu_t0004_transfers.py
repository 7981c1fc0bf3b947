"""customers tenant tables: imports, saved column mappings and exports

Revision ID: cu_t0004
Revises: cu_t0003
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql as pg

from crmkit.migrations import tenant_schema

revision = "cu_t0004"
down_revision = "cu_t0003"
branch_labels = None
depends_on = None


def _ts(name: str, *, nullable: bool = True) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _counter(name: str) -> sa.Column[object]:
    return sa.Column(name, sa.Integer(), nullable=False, server_default="0")


def upgrade() -> None:
    schema = tenant_schema()
    op.create_table(
        "transfer_files",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("media_type", sa.String(100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        _ts("created_at", nullable=False),
        schema=schema,
    )
    op.create_table(
        "import_jobs",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("file_id", sa.Uuid(), nullable=False),
        sa.Column("file_format", sa.String(10), nullable=False),
        sa.Column("mapping", pg.JSONB(), nullable=False),
        sa.Column("on_duplicate", sa.String(10), nullable=False),
        sa.Column("caller", pg.JSONB(), nullable=False),
        sa.Column("created_by", sa.Uuid()),
        sa.Column("total", sa.Integer()),
        *(_counter(n) for n in ("processed", "created", "updated", "skipped", "failed")),
        sa.Column("error", sa.Text()),
        _ts("created_at", nullable=False),
        _ts("started_at"),
        _ts("finished_at"),
        schema=schema,
    )
    op.create_table(
        "import_rows",
        sa.Column("job_id", sa.Uuid(), primary_key=True),
        sa.Column("row", sa.Integer(), primary_key=True),
        sa.Column("outcome", sa.String(10), nullable=False),
        sa.Column("customer_id", sa.Uuid()),
        sa.Column("errors", pg.JSONB(), nullable=False, server_default=sa.text("'[]'::jsonb")),
        schema=schema,
    )
    op.create_table(
        "import_mappings",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("name", sa.String(100), nullable=False, unique=True),
        sa.Column("mapping", pg.JSONB(), nullable=False),
        sa.Column("on_duplicate", sa.String(10), nullable=False),
        sa.Column("created_by", sa.Uuid()),
        _ts("created_at", nullable=False),
        schema=schema,
    )
    op.create_table(
        "export_jobs",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("entity", sa.String(20), nullable=False),
        sa.Column("filters", pg.JSONB(), nullable=False, server_default=sa.text("'[]'::jsonb")),
        sa.Column("sort", sa.String(100)),
        sa.Column("file_format", sa.String(10), nullable=False),
        sa.Column("caller", pg.JSONB(), nullable=False),
        sa.Column("created_by", sa.Uuid()),
        sa.Column("total", sa.Integer()),
        _counter("processed"),
        sa.Column("file_id", sa.Uuid()),
        sa.Column("error", sa.Text()),
        _ts("created_at", nullable=False),
        _ts("finished_at"),
        schema=schema,
    )
    # An import looks up likely duplicates by phone and e-mail a chunk at a time
    # (`phones ?| array[...]`); without these each chunk would read every customer.
    for column in ("phones", "emails"):
        op.create_index(
            f"ix_customers_{column}",
            "customers",
            [column],
            schema=schema,
            postgresql_using="gin",
            if_not_exists=True,
        )


def downgrade() -> None:
    schema = tenant_schema()
    for column in ("phones", "emails"):
        op.drop_index(f"ix_customers_{column}", "customers", schema=schema, if_exists=True)
    for table in ("export_jobs", "import_mappings", "import_rows", "import_jobs", "transfer_files"):
        op.drop_table(table, schema=schema)
