"""customers tenant tables: map coordinates, care dates and potential scores

Revision ID: cu_t0005
Revises: cu_t0004
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql as pg

from crmkit.migrations import tenant_schema

revision = "cu_t0005"
down_revision = "cu_t0004"
branch_labels = None
depends_on = None


def _ts(name: str) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False)


def upgrade() -> None:
    schema = tenant_schema()
    op.add_column("customers", sa.Column("potential_score", sa.Integer()), schema=schema)
    op.add_column("customers", sa.Column("potential_parts", pg.JSONB()), schema=schema)
    op.add_column(
        "customers",
        sa.Column("geocoded", sa.Boolean(), nullable=False, server_default=sa.false()),
        schema=schema,
    )
    op.create_index(
        "ix_customers_potential_score", "customers", ["potential_score", "id"], schema=schema
    )
    op.create_index(
        "ix_customers_coordinates", "customers", ["longitude", "latitude"], schema=schema
    )
    op.create_table(
        "care_dates",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("month", sa.Integer()),
        sa.Column("day", sa.Integer()),
        sa.Column("year", sa.Integer()),
        sa.Column("recurring", sa.Boolean(), nullable=False),
        sa.Column("customer_field", sa.String(80)),
        sa.Column("version", sa.Integer(), nullable=False),
        _ts("created_at"),
        schema=schema,
    )
    op.create_table(
        "care_reminders",
        sa.Column("key", sa.String(200), primary_key=True),
        sa.Column("reminder_id", sa.Uuid(), nullable=False),
        _ts("created_at"),
        schema=schema,
    )
    for table in ("sales_opportunities", "sales_payments"):
        op.create_table(
            table,
            sa.Column("id", sa.Uuid(), primary_key=True),
            sa.Column("customer_id", sa.Uuid(), nullable=False),
            sa.Column("amount", sa.Numeric(18, 2), nullable=False),
            sa.Column("status", sa.String(20), nullable=False),
            sa.Column("event_time", sa.DateTime(timezone=True), nullable=False),
            schema=schema,
        )
        op.create_index(f"ix_{table}_customer_id", table, ["customer_id"], schema=schema)


def downgrade() -> None:
    schema = tenant_schema()
    for table in ("sales_payments", "sales_opportunities", "care_reminders", "care_dates"):
        op.drop_table(table, schema=schema)
    op.drop_index("ix_customers_coordinates", "customers", schema=schema)
    op.drop_index("ix_customers_potential_score", "customers", schema=schema)
    for column in ("geocoded", "potential_parts", "potential_score"):
        op.drop_column("customers", column, schema=schema)
