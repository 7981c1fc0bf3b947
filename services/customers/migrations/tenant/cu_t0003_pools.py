"""customers tenant tables: public pools, claims, reclaim rules and hand-overs

Revision ID: cu_t0003
Revises: cu_t0002
Create Date: 2026-11-24
"""

import uuid

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql as pg

from crmkit.migrations import tenant_schema

revision = "cu_t0003"
down_revision = "cu_t0002"
branch_labels = None
depends_on = None

# Reclaim is off until an admin turns it on: customers must not start moving on an upgrade.
DEFAULT_RULES = {
    "reclaim_enabled": False,
    "no_follow_up_days": {"*": 30},
    "no_deal_days": {},
    "exempt_deal_in_progress": True,
    "exempt_locked": True,
    "remind_days_before": 1,
    "claims_per_day": None,
    "max_owned": None,
    "reclaim_cooldown_days": 0,
}


def _customer_columns() -> list[sa.Column[object]]:
    return [
        sa.Column("pool_id", sa.Uuid()),
        sa.Column("home_pool_id", sa.Uuid()),
        sa.Column("pooled_at", sa.DateTime(timezone=True)),
        sa.Column("pool_trashed_at", sa.DateTime(timezone=True)),
        sa.Column("owned_since", sa.DateTime(timezone=True)),
        sa.Column("last_deal_at", sa.DateTime(timezone=True)),
        sa.Column("deal_in_progress", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("reclaim_locked", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("reclaim_reminded_at", sa.DateTime(timezone=True)),
    ]


def upgrade() -> None:
    schema = tenant_schema()
    op.alter_column("customers", "owner_id", nullable=True, schema=schema)
    for column in _customer_columns():
        op.add_column("customers", column, schema=schema)
    op.create_index(
        "ix_customers_pool_id",
        "customers",
        ["pool_id", "pooled_at", "id"],
        schema=schema,
        postgresql_where=sa.text("pool_id IS NOT NULL"),
    )
    pools = op.create_table(
        "pools",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("name", sa.String(100), nullable=False, unique=True),
        sa.Column("is_default", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column(
            "member_user_ids", pg.JSONB(), nullable=False, server_default=sa.text("'[]'::jsonb")
        ),
        sa.Column(
            "member_department_ids",
            pg.JSONB(),
            nullable=False,
            server_default=sa.text("'[]'::jsonb"),
        ),
        sa.Column("rules", pg.JSONB(), nullable=False, server_default=sa.text("'{}'::jsonb")),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.Uuid()),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now()),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now()),
        schema=schema,
    )
    op.create_index(
        "uq_pools_default",
        "pools",
        ["is_default"],
        unique=True,
        schema=schema,
        postgresql_where=sa.text("is_default"),
    )
    op.bulk_insert(
        pools,
        [
            {
                "id": uuid.uuid4(),
                "name": "Default pool",
                "is_default": True,
                "member_user_ids": [],
                "member_department_ids": [],
                "rules": DEFAULT_RULES,
                "version": 1,
            }
        ],
    )
    op.create_table(
        "pool_moves",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("pool_id", sa.Uuid()),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("actor_id", sa.Uuid()),
        sa.Column("from_owner_id", sa.Uuid()),
        sa.Column("to_owner_id", sa.Uuid()),
        sa.Column("reason", sa.String(500)),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        schema=schema,
    )
    op.create_index(
        "ix_pool_moves_to_owner", "pool_moves", ["to_owner_id", "action", "at"], schema=schema
    )
    op.create_index(
        "ix_pool_moves_customer",
        "pool_moves",
        ["customer_id", "from_owner_id", "at"],
        schema=schema,
    )
    op.create_table(
        "org_departments",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("parent_id", sa.Uuid()),
        sa.Column("head_user_id", sa.Uuid()),
        sa.Column("version", sa.Integer(), nullable=False),
        schema=schema,
    )


def downgrade() -> None:
    schema = tenant_schema()
    op.drop_table("org_departments", schema=schema)
    op.drop_table("pool_moves", schema=schema)
    op.drop_table("pools", schema=schema)
    op.drop_index("ix_customers_pool_id", "customers", schema=schema)
    for column in _customer_columns():
        op.drop_column("customers", column.name, schema=schema)
    op.alter_column("customers", "owner_id", nullable=False, schema=schema)
