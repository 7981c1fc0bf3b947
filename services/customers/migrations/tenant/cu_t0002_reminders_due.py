"""customers tenant tables: reminders remember when they were announced as due

Revision ID: cu_t0002
Revises: cu_t0001
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

from crmkit.migrations import tenant_schema

revision = "cu_t0002"
down_revision = "cu_t0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    schema = tenant_schema()
    op.add_column("reminders", sa.Column("announced_at", sa.DateTime(timezone=True)), schema=schema)
    # The dispatcher's question, "which open reminders fell due and were not announced?",
    # reads only those rows.
    op.create_index(
        "ix_reminders_due_unannounced",
        "reminders",
        ["due_at"],
        schema=schema,
        postgresql_where=sa.text("announced_at IS NULL AND NOT done"),
    )


def downgrade() -> None:
    schema = tenant_schema()
    op.drop_index("ix_reminders_due_unannounced", "reminders", schema=schema)
    op.drop_column("reminders", "announced_at", schema=schema)
