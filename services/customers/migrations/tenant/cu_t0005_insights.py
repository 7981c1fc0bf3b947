"""customers tenant tables: map coordinates, care dates and potential scores

Revision ID: cu_t0005
Revises: cu_t0004
Create Date: 2026-11-24
"""

revision = "cu_t0005"
down_revision = "cu_t0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
