"""`migrate` brings every tenant schema up to date, resumably; an old schema is not served."""

import uuid

import pytest
from alembic import command
from sqlalchemy import column, select, table, update
from sqlalchemy.schema import CreateSchema

from crmkit.db import Database
from crmkit.errors import TenantNotReady
from crmkit.migrations import migrate_all, provision_tenant
from crmkit.registry import TenantRecord, TenantStatus
from crmkit.tenancy import schema_for, tenant_context

from .sample.models import STREAMS, Note


def tenant_at_first_revision(db: Database) -> uuid.UUID:
    """A tenant provisioned by an older release: its schema stops at s0001."""
    tenant_id = uuid.uuid4()
    with db.engine.begin() as connection:
        connection.execute(CreateSchema(schema_for(tenant_id)))
        command.upgrade(STREAMS.config("tenant", connection, schema_for(tenant_id)), "s0001")
        connection.execute(
            TenantRecord.__table__.insert().values(
                id=tenant_id, status=TenantStatus.ACTIVE, schema_revision="s0001"
            )
        )
    return tenant_id


def revision_of(db: Database, tenant_id: uuid.UUID) -> str | None:
    with db.platform_session() as session:
        return session.scalar(
            select(TenantRecord.schema_revision).where(TenantRecord.id == tenant_id)
        )


def test_a_tenant_on_an_old_revision_is_not_served_until_migrated(db: Database) -> None:
    old = tenant_at_first_revision(db)
    with tenant_context(old), pytest.raises(TenantNotReady):
        db.tenant_session()

    migrate_all(db.engine, STREAMS)

    assert revision_of(db, old) == "s0002"
    with tenant_context(old), db.tenant_transaction() as session:
        session.add(Note(title="now with pins", pinned=True))


def test_migrate_resumes_after_a_tenant_fails(db: Database) -> None:
    first, second = sorted([tenant_at_first_revision(db), tenant_at_first_revision(db)])
    # Sabotage the later tenant: its 0002 will collide with a table already there.
    with db.engine.begin() as connection:
        labels = table("labels", column("id"), schema=schema_for(second))
        from sqlalchemy import Column, Integer, MetaData, Table

        Table("labels", MetaData(), Column("id", Integer), schema=schema_for(second)).create(
            connection
        )
    progress: list[str] = []
    with pytest.raises(Exception, match="labels"):
        migrate_all(db.engine, STREAMS, progress.append)
    assert revision_of(db, first) == "s0002", "tenants before the failure stay upgraded"
    assert revision_of(db, second) == "s0001", "the failed tenant is left untouched"
    with db.engine.connect() as connection:
        notes = table("notes", column("pinned"), schema=schema_for(second))
        with pytest.raises(Exception, match="pinned"):
            connection.execute(select(notes.c.pinned))

    with db.engine.begin() as connection:
        connection.execute(labels.delete())
        from sqlalchemy import MetaData, Table

        Table("labels", MetaData(), schema=schema_for(second)).drop(connection)
    progress.clear()
    report = migrate_all(db.engine, STREAMS, progress.append)
    assert revision_of(db, second) == "s0002"
    assert report.tenants_upgraded >= 1
    assert any(schema_for(second) in line for line in progress)
    assert not any(schema_for(first) in line for line in progress), "done tenants are skipped"


def test_provisioning_twice_is_harmless(db: Database) -> None:
    tenant_id = uuid.uuid4()
    provision_tenant(db.engine, STREAMS, tenant_id)
    with tenant_context(tenant_id), db.tenant_transaction() as session:
        session.add(Note(title="kept"))
    provision_tenant(db.engine, STREAMS, tenant_id)
    with tenant_context(tenant_id), db.tenant_session() as session:
        assert session.scalars(select(Note.title)).all() == ["kept"]


def test_suspended_tenant_is_refused(db: Database) -> None:
    tenant_id = uuid.uuid4()
    provision_tenant(db.engine, STREAMS, tenant_id)
    with db.engine.begin() as connection:
        connection.execute(
            update(TenantRecord)
            .where(TenantRecord.id == tenant_id)
            .values(status=TenantStatus.SUSPENDED)
        )
    from crmkit.errors import TenantNotFound

    with tenant_context(tenant_id), pytest.raises(TenantNotFound):
        db.tenant_session()
