"""search platform tables: each tenant's access epoch

Revision ID: se_p0001
Revises:
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "se_p0001"
down_revision = None
branch_labels = ("search",)
depends_on = "crmkit_0001"

SCHEMA = "platform"


def upgrade() -> None:
    op.create_table(
        "search_access_epochs",
        sa.Column("tenant_id", sa.Uuid(), primary_key=True),
        sa.Column("epoch", sa.BigInteger(), nullable=False),
        schema=SCHEMA,
    )


def downgrade() -> None:
    op.drop_table("search_access_epochs", schema=SCHEMA)
