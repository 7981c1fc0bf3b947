"""web platform tables: the console's sessions (gateway tokens, sealed)

Revision ID: web_p0001
Revises:
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "web_p0001"
down_revision = None
branch_labels = ("web",)
depends_on = "crmkit_0001"

SCHEMA = "platform"


def upgrade() -> None:
    op.create_table(
        "web_sessions",
        # HMAC of the visitor's cookie value, never the value itself.
        sa.Column("id", sa.LargeBinary(32), primary_key=True),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        # Bumped by every token refresh: a replica that waited for the row lock sees it moved.
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("access_expires_at", sa.DateTime(timezone=True), nullable=False),
        # AES-GCM nonce + ciphertext of the tokens and the user's profile.
        sa.Column("sealed", sa.LargeBinary(), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "last_seen_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        schema=SCHEMA,
    )
    op.create_index("ix_web_sessions_last_seen_at", "web_sessions", ["last_seen_at"], schema=SCHEMA)
    op.create_index(
        "ix_web_sessions_tenant_id_user_id", "web_sessions", ["tenant_id", "user_id"], schema=SCHEMA
    )


def downgrade() -> None:
    op.drop_table("web_sessions", schema=SCHEMA)
