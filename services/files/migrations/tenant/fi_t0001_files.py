"""files tenant tables: files attached to records and their versions

Revision ID: fi_t0001
Revises:
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

from crmkit.migrations import tenant_schema

revision = "fi_t0001"
down_revision = None
branch_labels = None
depends_on = None


def _ts(name: str, *, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    schema = tenant_schema()
    op.create_table(
        "files",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("record_type", sa.String(64), nullable=False),
        sa.Column("record_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("current_version", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("created_by", sa.Uuid()),
        _ts("created_at"),
        _ts("updated_at"),
        _ts("deleted_at", nullable=True),
        sa.Column("deleted_by", sa.Uuid()),
        # "user" (DELETE) or "record" (the record was deleted: restored with it).
        sa.Column("deleted_reason", sa.String(16)),
        schema=schema,
    )
    op.create_index("ix_files_record", "files", ["record_type", "record_id"], schema=schema)
    op.create_index("ix_files_deleted_at", "files", ["deleted_at"], schema=schema)
    op.create_table(
        "file_versions",
        sa.Column(
            "file_id",
            sa.Uuid(),
            sa.ForeignKey(f"{schema}.files.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("version", sa.Integer(), primary_key=True),
        sa.Column("object_key", sa.String(200), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("declared_type", sa.String(255), nullable=False),
        sa.Column("content_type", sa.String(255)),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_by", sa.Uuid()),
        _ts("created_at"),
        _ts("upload_expires_at"),
        _ts("completed_at", nullable=True),
        # When the staging object (`<key>.upload`) was removed for good: after the upload
        # URL expired, so a late PUT leaves nothing behind.
        _ts("upload_cleared_at", nullable=True),
        schema=schema,
    )


def downgrade() -> None:
    schema = tenant_schema()
    op.drop_table("file_versions", schema=schema)
    op.drop_table("files", schema=schema)
