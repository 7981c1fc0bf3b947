"""Tenant schemas are isolated, and tenant data is unreachable with no tenant set."""

import uuid

import pytest
from sqlalchemy import select

from crmkit.db import Database
from crmkit.errors import NoTenantError, TenantNotFound
from crmkit.tenancy import current_tenant, schema_for, tenant_context

from .sample.models import Note


def add_note(db: Database, title: str) -> None:
    with db.tenant_transaction() as session:
        session.add(Note(title=title))


def note_titles(db: Database) -> list[str]:
    with db.tenant_session() as session:
        return list(session.scalars(select(Note.title).order_by(Note.title)))


def test_schema_name_derives_from_the_uuid_only() -> None:
    tenant_id = uuid.UUID("0f0e0d0c-0b0a-0908-0706-050403020100")
    assert schema_for(tenant_id) == "t_0f0e0d0c0b0a09080706050403020100"
    with pytest.raises(TypeError):
        schema_for("acme")  # type: ignore[arg-type]


def test_each_tenant_sees_only_its_own_rows(
    db: Database, tenant_a: uuid.UUID, tenant_b: uuid.UUID
) -> None:
    with tenant_context(tenant_a):
        add_note(db, "alpha's call")
    with tenant_context(tenant_b):
        add_note(db, "beta's visit")
        add_note(db, "beta's email")

    with tenant_context(tenant_a):
        assert note_titles(db) == ["alpha's call"]
    with tenant_context(tenant_b):
        assert note_titles(db) == ["beta's email", "beta's visit"]


def test_rows_land_in_the_tenants_own_schema(db: Database, tenant_a: uuid.UUID) -> None:
    with tenant_context(tenant_a):
        add_note(db, "where am I")
    with db.engine.connect() as connection:
        from sqlalchemy import column, table

        notes = table("notes", column("title"), schema=schema_for(tenant_a))
        assert connection.scalars(select(notes.c.title)).all() == ["where am I"]


def test_no_tenant_set_raises_before_anything_runs(db: Database) -> None:
    with pytest.raises(NoTenantError):
        current_tenant()
    with pytest.raises(NoTenantError):
        db.tenant_session()


def test_a_tenant_table_queried_from_a_platform_session_is_refused(db: Database) -> None:
    with db.platform_session() as session, pytest.raises(NoTenantError):
        session.execute(select(Note))


def test_unknown_tenant_is_not_found(db: Database) -> None:
    with tenant_context(uuid.uuid4()), pytest.raises(TenantNotFound):
        db.tenant_session()


def test_context_is_restored_after_the_block(tenant_a: uuid.UUID, tenant_b: uuid.UUID) -> None:
    with tenant_context(tenant_a):
        with tenant_context(tenant_b):
            assert current_tenant() == tenant_b
        assert current_tenant() == tenant_a
    with pytest.raises(NoTenantError):
        current_tenant()


def test_orm_updates_and_primary_key_loads_work_in_a_tenant_session(
    db: Database, tenant_a: uuid.UUID
) -> None:
    """The ORM names bind parameters after the table (`__tenant___notes_id`): a translated
    statement carrying such a name is not refused."""
    with tenant_context(tenant_a):
        add_note(db, "before")
        with db.tenant_transaction() as session:
            note = session.scalars(select(Note)).one()
            assert session.get(Note, note.id) is note
            note.title = "after"
        with db.tenant_session() as session:
            loaded = session.get(Note, note.id)
            assert loaded is not None
            assert loaded.title == "after"
