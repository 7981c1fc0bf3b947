"""crmkit platform tables: a new outbox row wakes the relay (NOTIFY), instead of the relay
asking the database five times a second

Revision ID: crmkit_0004
Revises: crmkit_0003
Create Date: 2026-11-24
"""

from alembic import op

from crmkit.migrations.platform_tables import SCHEMA

revision = "crmkit_0004"
down_revision = "crmkit_0003"
branch_labels = None
depends_on = None

# One notification per inserting statement, delivered when its transaction commits (and
# not at all if it rolls back) — exactly when the relay has something to publish.
CHANNEL = "crm_outbox"


def upgrade() -> None:
    op.execute(
        f"""
        CREATE FUNCTION "{SCHEMA}".outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM pg_notify('{CHANNEL}', '');
            RETURN NULL;
        END $$
        """
    )
    op.execute(
        f'CREATE TRIGGER outbox_notify AFTER INSERT ON "{SCHEMA}".outbox '
        f'FOR EACH STATEMENT EXECUTE FUNCTION "{SCHEMA}".outbox_notify()'
    )


def downgrade() -> None:
    op.execute(f'DROP TRIGGER outbox_notify ON "{SCHEMA}".outbox')
    op.execute(f'DROP FUNCTION "{SCHEMA}".outbox_notify()')
