"""notes

Revision ID: s0001
Revises:
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

from crmkit.migrations import tenant_schema

revision = "s0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    schema = tenant_schema()
    op.create_table(
        "notes",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now()),
        schema=schema,
    )
    op.create_index("ix_notes_created_at", "notes", ["created_at"], schema=schema)


def downgrade() -> None:
    schema = tenant_schema()
    op.drop_table("notes", schema=schema)
