"""notes.pinned

Revision ID: s0002
Revises: s0001
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

from crmkit.migrations import tenant_schema

revision = "s0002"
down_revision = "s0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    schema = tenant_schema()
    op.add_column(
        "notes",
        sa.Column("pinned", sa.Boolean(), server_default=sa.false(), nullable=False),
        schema=schema,
    )
    op.create_table(
        "labels",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("name", sa.String(50), nullable=False, unique=True),
        schema=schema,
    )


def downgrade() -> None:
    schema = tenant_schema()
    op.drop_table("labels", schema=schema)
    op.drop_column("notes", "pinned", schema=schema)
