"""search platform tables: re-index runs started by tenant admins

Revision ID: se_p0002
Revises: se_p0001
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "se_p0002"
down_revision = "se_p0001"
branch_labels = None
depends_on = None

SCHEMA = "platform"


def upgrade() -> None:
    op.create_table(
        "search_reindex_runs",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("requested_by", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("customers", sa.Integer(), nullable=False),
        sa.Column("contacts", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "status IN ('running', 'done', 'failed', 'stale')",
            name="status",
        ),
        schema=SCHEMA,
    )
    # At most one running re-index per tenant, even with two API processes racing.
    op.create_index(
        "uq_search_reindex_runs_one_running",
        "search_reindex_runs",
        ["tenant_id"],
        unique=True,
        schema=SCHEMA,
        postgresql_where=sa.text("status = 'running'"),
    )
    op.create_index(
        "ix_search_reindex_runs_tenant_id_started_at",
        "search_reindex_runs",
        ["tenant_id", "started_at"],
        schema=SCHEMA,
    )


def downgrade() -> None:
    op.drop_table("search_reindex_runs", schema=SCHEMA)
