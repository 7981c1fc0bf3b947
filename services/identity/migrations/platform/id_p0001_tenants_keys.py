"""identity platform tables: tenants, provisioning, signing keys, login throttle

Revision ID: id_p0001
Revises:
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql as pg

revision = "id_p0001"
down_revision = None
branch_labels = ("identity",)
depends_on = "crmkit_0001"

SCHEMA = "platform"


def _timestamp(name: str) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False)


def upgrade() -> None:
    op.create_table(
        "tenant_accounts",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("slug", sa.String(40), nullable=False, unique=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("locale", sa.String(10), nullable=False),
        sa.Column("time_zone", sa.String(64), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("provisioning_started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        _timestamp("created_at"),
        _timestamp("updated_at"),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_tenant_accounts_provisioning",
        "tenant_accounts",
        ["provisioning_started_at"],
        schema=SCHEMA,
        postgresql_where=sa.text("status = 'provisioning'"),
    )
    op.create_table(
        "tenant_provisioning",
        sa.Column(
            "tenant_id",
            sa.Uuid(),
            sa.ForeignKey(f"{SCHEMA}.tenant_accounts.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("service", sa.String(60), primary_key=True),
        sa.Column("state", sa.String(10), nullable=False),
        sa.Column("reason", sa.Text()),
        _timestamp("updated_at"),
        schema=SCHEMA,
    )
    op.create_table(
        "signing_keys",
        sa.Column("kid", sa.String(32), primary_key=True),
        sa.Column("private_pem", sa.Text(), nullable=False),
        sa.Column("public_jwk", pg.JSONB(), nullable=False),
        _timestamp("created_at"),
        sa.Column("retired_at", sa.DateTime(timezone=True)),
        schema=SCHEMA,
    )
    op.create_table(
        "login_throttle",
        sa.Column("key", sa.String(200), primary_key=True),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("window_started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("blocked_until", sa.DateTime(timezone=True)),
        schema=SCHEMA,
    )


def downgrade() -> None:
    for table in ("login_throttle", "signing_keys", "tenant_provisioning", "tenant_accounts"):
        op.drop_table(table, schema=SCHEMA)
