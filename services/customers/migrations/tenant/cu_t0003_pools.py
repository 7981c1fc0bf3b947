"""customers tenant tables: public pools, claims, reclaim rules and hand-overs

Revision ID: cu_t0003
Revises: cu_t0002
Create Date: 2026-11-24
"""

revision = "cu_t0003"
down_revision = "cu_t0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
