"""customers tenant tables: a file uploaded for an import that has not started yet belongs to
its uploader (the wizard's steps name it instead of sending the file again)

Revision ID: cu_t0008
Revises: cu_t0007
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

from crmkit.migrations import tenant_schema

revision = "cu_t0008"
down_revision = "cu_t0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    schema = tenant_schema()
    op.add_column("transfer_files", sa.Column("uploaded_by", sa.Uuid()), schema=schema)
    op.create_index(
        "ix_transfer_files_waiting",
        "transfer_files",
        ["created_at"],
        schema=schema,
        postgresql_where=sa.text("uploaded_by IS NOT NULL"),
    )


def downgrade() -> None:
    schema = tenant_schema()
    op.drop_index("ix_transfer_files_waiting", "transfer_files", schema=schema)
    op.drop_column("transfer_files", "uploaded_by", schema=schema)
