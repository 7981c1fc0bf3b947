"""identity tenant tables: org tree, users, roles, sessions, API keys, portal, audit

Revision ID: id_t0001
Revises:
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql as pg

from crmkit.migrations import tenant_schema

revision = "id_t0001"
down_revision = None
branch_labels = None
depends_on = None


def _now(name: str, *, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(
        name, sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=nullable
    )


def upgrade() -> None:
    schema = tenant_schema()
    op.create_table(
        "departments",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("parent_id", sa.Uuid(), sa.ForeignKey(f"{schema}.departments.id")),
        sa.Column("sort_order", sa.Integer(), nullable=False),
        sa.Column("head_user_id", sa.Uuid()),
        sa.Column("version", sa.Integer(), nullable=False),
        _now("created_at"),
        schema=schema,
    )
    op.create_index("ix_departments_parent_id", "departments", ["parent_id"], schema=schema)
    op.create_table(
        "positions",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False, unique=True),
        sa.Column("version", sa.Integer(), nullable=False),
        _now("created_at"),
        schema=schema,
    )
    op.create_table(
        "users",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("email", sa.String(254), nullable=False, unique=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("password_hash", sa.String(200), nullable=False),
        sa.Column("department_id", sa.Uuid(), sa.ForeignKey(f"{schema}.departments.id")),
        sa.Column("position_id", sa.Uuid(), sa.ForeignKey(f"{schema}.positions.id")),
        sa.Column("manager_id", sa.Uuid(), sa.ForeignKey(f"{schema}.users.id")),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        _now("created_at"),
        _now("updated_at"),
        schema=schema,
    )
    op.create_index("ix_users_department_id", "users", ["department_id"], schema=schema)
    op.create_foreign_key(
        "fk_departments_head_user_id_users",
        "departments",
        "users",
        ["head_user_id"],
        ["id"],
        source_schema=schema,
        referent_schema=schema,
    )
    op.create_table(
        "roles",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("builtin_key", sa.String(40), unique=True),
        sa.Column("name", sa.String(100), nullable=False, unique=True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("permissions", pg.JSONB(), nullable=False),
        sa.Column("scopes", pg.JSONB(), nullable=False),
        sa.Column("field_rules", pg.JSONB(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        _now("created_at"),
        schema=schema,
    )
    op.create_table(
        "user_roles",
        sa.Column(
            "user_id",
            sa.Uuid(),
            sa.ForeignKey(f"{schema}.users.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column(
            "role_id",
            sa.Uuid(),
            sa.ForeignKey(f"{schema}.roles.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        schema=schema,
    )
    op.create_index("ix_user_roles_role_id", "user_roles", ["role_id"], schema=schema)
    op.create_table(
        "auth_sessions",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("principal_kind", sa.String(20), nullable=False),
        sa.Column("principal_id", sa.Uuid(), nullable=False),
        sa.Column("ip", sa.String(64)),
        _now("created_at"),
        sa.Column("ended_at", sa.DateTime(timezone=True)),
        sa.Column("end_reason", sa.String(40)),
        schema=schema,
    )
    op.create_index(
        "ix_auth_sessions_principal_id", "auth_sessions", ["principal_id"], schema=schema
    )
    op.create_table(
        "refresh_tokens",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column(
            "session_id",
            sa.Uuid(),
            sa.ForeignKey(f"{schema}.auth_sessions.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        _now("created_at"),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True)),
        schema=schema,
    )
    op.create_index("ix_refresh_tokens_session_id", "refresh_tokens", ["session_id"], schema=schema)
    op.create_table(
        "api_keys",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("prefix", sa.String(16), nullable=False),
        sa.Column("secret_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("permissions", pg.JSONB(), nullable=False),
        sa.Column("created_by", sa.Uuid()),
        _now("created_at"),
        sa.Column("revoked_at", sa.DateTime(timezone=True)),
        schema=schema,
    )
    op.create_table(
        "portal_accounts",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("email", sa.String(254), nullable=False, unique=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("password_hash", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("linked_record_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("created_by", sa.Uuid()),
        sa.Column("version", sa.Integer(), nullable=False),
        _now("created_at"),
        schema=schema,
    )
    op.create_table(
        "audit_events",
        sa.Column("id", sa.Uuid(), primary_key=True),
        _now("occurred_at"),
        sa.Column("action", sa.String(60), nullable=False),
        sa.Column("actor_kind", sa.String(20)),
        sa.Column("actor_id", sa.String(64)),
        sa.Column("target_type", sa.String(40)),
        sa.Column("target_id", sa.String(64)),
        sa.Column("ip", sa.String(64)),
        sa.Column("details", pg.JSONB(), nullable=False),
        schema=schema,
    )
    op.create_index("ix_audit_events_occurred_at", "audit_events", ["occurred_at"], schema=schema)
    op.create_index("ix_audit_events_action", "audit_events", ["action"], schema=schema)
    op.create_index("ix_audit_events_actor_id", "audit_events", ["actor_id"], schema=schema)


def downgrade() -> None:
    schema = tenant_schema()
    op.drop_constraint(
        "fk_departments_head_user_id_users", "departments", schema=schema, type_="foreignkey"
    )
    for table in (
        "audit_events",
        "portal_accounts",
        "api_keys",
        "refresh_tokens",
        "auth_sessions",
        "user_roles",
        "roles",
        "users",
        "positions",
        "departments",
    ):
        op.drop_table(table, schema=schema)
