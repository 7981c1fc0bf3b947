"""Permissions added to the product reach the built-in roles of tenants that already exist,
and only theirs: an upgraded tenant's admin can manage pools and re-index search."""

import uuid

from identity_testkit import Org
from sqlalchemy import text

from crm_identity.streams import STREAMS
from crmkit.db import Database
from crmkit.migrations import provision_tenant
from crmkit.tenancy import schema_for

# Schema names come from tenant UUIDs (`schema_for`), never from input.


def builtin_permissions(db: Database, tenant_id: str, key: str) -> list[str]:
    schema = schema_for(uuid.UUID(tenant_id))
    with db.engine.connect() as connection:
        found = connection.execute(
            text(f'SELECT permissions FROM "{schema}".roles WHERE builtin_key = :key'),  # noqa: S608
            {"key": key},
        ).scalar_one()
    return list(found)


def as_before_the_upgrade(db: Database, tenant_id: str) -> None:
    """The tenant as it was at id_t0001: its roles without the later permissions."""
    schema = schema_for(uuid.UUID(tenant_id))
    with db.engine.begin() as connection:
        connection.execute(
            text(
                f'UPDATE "{schema}".roles SET permissions = permissions '  # noqa: S608
                "- 'customers:pool_manage' - 'search:reindex'"
            )
        )
        stamp = f"UPDATE \"{schema}\".alembic_version SET version_num = 'id_t0001'"  # noqa: S608
        connection.execute(text(stamp))


def test_existing_tenants_builtin_roles_gain_the_new_permissions(
    db: Database, acme: Org, globex: Org
) -> None:
    assert "search:reindex" in builtin_permissions(db, acme.tenant_id, "tenant_admin")
    for org in (acme, globex):
        as_before_the_upgrade(db, org.tenant_id)
    assert "search:reindex" not in builtin_permissions(db, acme.tenant_id, "tenant_admin")

    provision_tenant(db.engine, STREAMS, uuid.UUID(acme.tenant_id))  # what `migrate` runs

    admin = builtin_permissions(db, acme.tenant_id, "tenant_admin")
    assert {"customers:pool_manage", "search:reindex"} <= set(admin)
    assert "customers:pool_manage" in builtin_permissions(db, acme.tenant_id, "sales_manager")
    assert "customers:pool_manage" not in builtin_permissions(db, acme.tenant_id, "sales_rep")
    # Only the tenant that was upgraded changed.
    assert "search:reindex" not in builtin_permissions(db, globex.tenant_id, "tenant_admin")
    provision_tenant(db.engine, STREAMS, uuid.UUID(globex.tenant_id))
    assert "search:reindex" in builtin_permissions(db, globex.tenant_id, "tenant_admin")
