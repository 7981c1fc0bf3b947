"""customers tenant tables: indexes that make custom-field filters use an index

Revision ID: cu_t0002
Revises: cu_t0001
Create Date: 2026-11-24
"""

revision = "cu_t0002"
down_revision = "cu_t0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
