"""crmkit platform tables

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from crmkit.migrations import platform_tables

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    platform_tables.upgrade_0001()


def downgrade() -> None:
    platform_tables.downgrade_0001()
