"""crmkit platform tables: an index for pruning the inbox by age

Revision ID: crmkit_0002
Revises: crmkit_0001
Create Date: 2026-11-24
"""

from alembic import op

from crmkit.migrations.platform_tables import SCHEMA

revision = "crmkit_0002"
down_revision = "crmkit_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_inbox_processed_at", "inbox", ["processed_at"], schema=SCHEMA)


def downgrade() -> None:
    op.drop_index("ix_inbox_processed_at", "inbox", schema=SCHEMA)
