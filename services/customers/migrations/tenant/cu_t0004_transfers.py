"""customers tenant tables: imports, saved column mappings and exports

Revision ID: cu_t0004
Revises: cu_t0003
Create Date: 2026-11-24
"""

revision = "cu_t0004"
down_revision = "cu_t0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
