"""customers tenant tables: customers, history of changes, dictionaries, custom fields,
contacts, follow-ups and other interactions, reminders

Revision ID: cu_t0001
Revises:
Create Date: 2026-11-23
"""

import uuid

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql as pg

from crmkit.migrations import tenant_schema

revision = "cu_t0001"
down_revision = None
branch_labels = None
depends_on = None

DEFAULT_STATUSES = [
    ("potential", "Potential"),
    ("intent", "Intent"),
    ("deal", "Deal"),
    ("lost", "Lost"),
]
DEFAULT_LEVELS = [("a", "A"), ("b", "B"), ("c", "C")]
DEFAULT_SOURCES = [("referral", "Referral"), ("website", "Website"), ("exhibition", "Exhibition")]


def _ts(name: str, *, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(
        name, sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=nullable
    )


def _json(name: str, default: str) -> sa.Column[object]:
    return sa.Column(
        name, pg.JSONB(), nullable=False, server_default=sa.text(f"'{default}'::jsonb")
    )


def upgrade() -> None:
    schema = tenant_schema()
    op.create_table(
        "customers",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("name_key", sa.String(300), nullable=False),
        sa.Column("short_name", sa.String(100)),
        _json("phones", "[]"),
        _json("emails", "[]"),
        sa.Column("website", sa.String(500)),
        sa.Column("province", sa.String(100)),
        sa.Column("city", sa.String(100)),
        sa.Column("district", sa.String(100)),
        sa.Column("street", sa.String(300)),
        sa.Column("latitude", sa.Numeric(9, 6)),
        sa.Column("longitude", sa.Numeric(9, 6)),
        sa.Column("industry", sa.String(64)),
        sa.Column("scale", sa.String(64)),
        sa.Column("source", sa.String(64)),
        sa.Column("level", sa.String(64)),
        sa.Column("status", sa.String(64), nullable=False),
        _json("tags", "[]"),
        sa.Column("owner_id", sa.Uuid(), nullable=False),
        sa.Column("department_id", sa.Uuid()),
        _json("collaborator_ids", "[]"),
        sa.Column("credit_rating", sa.String(20)),
        sa.Column("birthday", sa.Date()),
        sa.Column("notes", sa.Text()),
        _json("custom", "{}"),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.Uuid()),
        sa.Column("updated_by", sa.Uuid()),
        _ts("created_at"),
        _ts("updated_at"),
        sa.Column("last_follow_up_at", sa.DateTime(timezone=True)),
        sa.Column("next_follow_up_at", sa.DateTime(timezone=True)),
        sa.Column("deleted_at", sa.DateTime(timezone=True)),
        sa.Column("deleted_by", sa.Uuid()),
        sa.Column("merged_into_id", sa.Uuid()),
        schema=schema,
    )
    op.create_index("ix_customers_owner_id", "customers", ["owner_id"], schema=schema)
    op.create_index("ix_customers_updated_at", "customers", ["updated_at", "id"], schema=schema)
    op.create_index("ix_customers_name_key", "customers", ["name_key"], schema=schema)
    op.create_index(
        "ix_customers_custom", "customers", ["custom"], schema=schema, postgresql_using="gin"
    )
    op.create_table(
        "customer_changes",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("actor_id", sa.Uuid()),
        sa.Column("action", sa.String(20), nullable=False),
        _json("changes", "[]"),
        _ts("at"),
        schema=schema,
    )
    op.create_index(
        "ix_customer_changes_customer_id", "customer_changes", ["customer_id", "at"], schema=schema
    )
    dictionary = op.create_table(
        "dictionary_items",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("label", sa.String(100), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.UniqueConstraint("kind", "key", name="uq_dictionary_items_kind_key"),
        schema=schema,
    )
    rows = []
    for kind, items in (
        ("status", DEFAULT_STATUSES),
        ("level", DEFAULT_LEVELS),
        ("source", DEFAULT_SOURCES),
    ):
        for position, (key, label) in enumerate(items):
            rows.append(
                {
                    "id": uuid.uuid4(),
                    "kind": kind,
                    "key": key,
                    "label": label,
                    "position": position,
                    "active": True,
                    "version": 1,
                }
            )
    op.bulk_insert(dictionary, rows)
    op.create_table(
        "custom_fields",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("entity", sa.String(20), nullable=False),
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("label", sa.String(100), nullable=False),
        sa.Column("type", sa.String(20), nullable=False),
        sa.Column("required", sa.Boolean(), nullable=False),
        sa.Column("unique", sa.Boolean(), nullable=False),
        sa.Column("searchable", sa.Boolean(), nullable=False),
        sa.Column("shown_in_list", sa.Boolean(), nullable=False),
        sa.Column("default", pg.JSONB()),
        sa.Column("help_text", sa.String(500)),
        sa.Column("position", sa.Integer(), nullable=False),
        _json("options", "[]"),
        sa.Column("version", sa.Integer(), nullable=False),
        _ts("created_at"),
        sa.Column("deleted_at", sa.DateTime(timezone=True)),
        schema=schema,
    )
    op.create_index(
        "uq_custom_fields_entity_key",
        "custom_fields",
        ["entity", "key"],
        unique=True,
        schema=schema,
        postgresql_where=sa.text("deleted_at IS NULL"),
    )
    op.create_table(
        "custom_unique_values",
        sa.Column("field_id", sa.Uuid(), primary_key=True),
        sa.Column("value", sa.String(500), primary_key=True),
        sa.Column("record_id", sa.Uuid(), nullable=False),
        schema=schema,
    )
    op.create_index(
        "ix_custom_unique_values_record_id", "custom_unique_values", ["record_id"], schema=schema
    )
    op.create_table(
        "contacts",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column(
            "customer_id", sa.Uuid(), sa.ForeignKey(f"{schema}.customers.id"), nullable=False
        ),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("title", sa.String(100)),
        sa.Column("role", sa.String(50)),
        _json("phones", "[]"),
        sa.Column("email", sa.String(254)),
        sa.Column("wechat", sa.String(100)),
        sa.Column("birthday", sa.Date()),
        sa.Column("notes", sa.Text()),
        sa.Column("is_primary", sa.Boolean(), nullable=False),
        _json("custom", "{}"),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.Uuid()),
        _ts("created_at"),
        _ts("updated_at"),
        sa.Column("deleted_at", sa.DateTime(timezone=True)),
        schema=schema,
    )
    op.create_index("ix_contacts_customer_id", "contacts", ["customer_id"], schema=schema)
    op.create_index(
        "uq_contacts_primary",
        "contacts",
        ["customer_id"],
        unique=True,
        schema=schema,
        postgresql_where=sa.text("is_primary AND deleted_at IS NULL"),
    )
    op.create_table(
        "interactions",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column(
            "customer_id", sa.Uuid(), sa.ForeignKey(f"{schema}.customers.id"), nullable=False
        ),
        sa.Column("entry_type", sa.String(20), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("title", sa.String(200)),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("contact_id", sa.Uuid()),
        _json("attachment_ids", "[]"),
        sa.Column("next_follow_up_at", sa.DateTime(timezone=True)),
        sa.Column("rating", sa.Integer()),
        sa.Column("created_by", sa.Uuid()),
        _ts("created_at"),
        schema=schema,
    )
    op.create_index(
        "ix_interactions_customer_id", "interactions", ["customer_id", "at", "id"], schema=schema
    )
    op.create_table(
        "reminders",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("interaction_id", sa.Uuid()),
        sa.Column("note", sa.String(500)),
        sa.Column("done", sa.Boolean(), nullable=False),
        _ts("created_at"),
        schema=schema,
    )
    op.create_index("ix_reminders_user_id", "reminders", ["user_id", "due_at"], schema=schema)

    op.create_table(
        "tenant_settings",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("value", pg.JSONB(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        schema=schema,
    )
    op.create_table(
        "saved_views",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("owner_id", sa.Uuid(), nullable=False),
        sa.Column("department_id", sa.Uuid()),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("entity", sa.String(20), nullable=False),
        _json("filters", "[]"),
        sa.Column("sort", sa.String(100)),
        _json("columns", "[]"),
        sa.Column("shared", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        _ts("created_at"),
        schema=schema,
    )
    op.create_index("ix_saved_views_owner_id", "saved_views", ["owner_id"], schema=schema)

    op.create_table(
        "staff",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("department_id", sa.Uuid()),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        schema=schema,
    )


def downgrade() -> None:
    schema = tenant_schema()
    for table in (
        "staff",
        "saved_views",
        "tenant_settings",
        "reminders",
        "interactions",
        "contacts",
        "custom_unique_values",
        "custom_fields",
        "dictionary_items",
        "customer_changes",
        "customers",
    ):
        op.drop_table(table, schema=schema)
