"""crmkit platform tables: tenant registry, outbox, inbox

Revision ID: crmkit_0001
Revises:
Create Date: 2026-11-23
"""

from crmkit.migrations import platform_tables

revision = "crmkit_0001"
down_revision = None
branch_labels = ("crmkit",)
depends_on = None


def upgrade() -> None:
    platform_tables.upgrade_0001()


def downgrade() -> None:
    platform_tables.downgrade_0001()
