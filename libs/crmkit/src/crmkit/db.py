"""Engine and sessions: one pool per process shared by every tenant.

Tenant tables are declared in the placeholder schema `__tenant__`; a tenant session maps it to
the tenant's own schema with `schema_translate_map`. A statement that reaches PostgreSQL still
naming the placeholder ran without a tenant, and is refused before it is sent.
"""

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, MetaData, create_engine, event, select
from sqlalchemy.orm import DeclarativeBase, Session

from crmkit.errors import NoTenantError, TenantNotFound, TenantNotReady
from crmkit.tenancy import (
    PLATFORM_SCHEMA,
    TENANT_SCHEMA_PLACEHOLDER,
    current_tenant,
    schema_for,
)

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def tenant_metadata() -> MetaData:
    """Metadata for a service's tenant tables (each service has its own)."""
    return MetaData(schema=TENANT_SCHEMA_PLACEHOLDER, naming_convention=NAMING_CONVENTION)


def platform_metadata() -> MetaData:
    return MetaData(schema=PLATFORM_SCHEMA, naming_convention=NAMING_CONVENTION)


class PlatformBase(DeclarativeBase):
    """crmkit's own platform tables: tenant registry, outbox, inbox, jobs."""

    metadata = platform_metadata()


# The placeholder as a schema qualifier (`__tenant__.notes`, `"__tenant__".notes`). Bind
# parameter names the ORM derives from the table (`%(__tenant___notes_id)s`) contain it too,
# and must not count.
_UNTRANSLATED_SCHEMA = (f"{TENANT_SCHEMA_PLACEHOLDER}.", f'"{TENANT_SCHEMA_PLACEHOLDER}".')


def _refuse_untranslated_tenant_sql(
    conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool
) -> None:
    if any(marker in statement for marker in _UNTRANSLATED_SCHEMA):
        raise NoTenantError(
            "a statement on tenant tables was about to run with no tenant schema mapped"
        )


def make_engine(url: str, *, pool_size: int = 10, **kwargs: Any) -> Engine:
    engine = create_engine(
        url,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_pre_ping=True,
        pool_recycle=1800,
        **kwargs,
    )
    event.listen(engine, "before_cursor_execute", _refuse_untranslated_tenant_sql)
    return engine


class Database:
    """A service's database: its engine, platform sessions and per-tenant sessions.

    `required_tenant_revision` is the head of the service's tenant migration stream: a
    tenant whose schema is at another revision is not served (`TenantNotReady`).
    """

    def __init__(self, engine: Engine, *, required_tenant_revision: str | None = None) -> None:
        self.engine = engine
        self.required_tenant_revision = required_tenant_revision
        self._tenant_engines: dict[str, Engine] = {}
        self._ready_tenants: set[uuid.UUID] = set()

    def platform_session(self) -> Session:
        return Session(bind=self.engine, expire_on_commit=False)

    def tenant_engine(self, tenant_id: uuid.UUID) -> Engine:
        schema = schema_for(tenant_id)
        bound = self._tenant_engines.get(schema)
        if bound is None:
            # A light copy of the engine sharing its pool; only the compile map differs.
            bound = self.engine.execution_options(
                schema_translate_map={TENANT_SCHEMA_PLACEHOLDER: schema}
            )
            self._tenant_engines[schema] = bound
        return bound

    def tenant_session(self) -> Session:
        """A session on the current tenant's schema; raises at once with no tenant set."""
        tenant_id = current_tenant()
        self.ensure_tenant_ready(tenant_id)
        return Session(bind=self.tenant_engine(tenant_id), expire_on_commit=False)

    def ensure_tenant_ready(self, tenant_id: uuid.UUID) -> None:
        if tenant_id in self._ready_tenants:
            return
        from crmkit.registry import TenantRecord, TenantStatus

        with self.platform_session() as session:
            record = session.scalar(select(TenantRecord).where(TenantRecord.id == tenant_id))
        if record is None:
            raise TenantNotFound()
        if record.status == TenantStatus.SUSPENDED:
            raise TenantNotFound("tenant is suspended")
        if (
            self.required_tenant_revision is not None
            and record.schema_revision != self.required_tenant_revision
        ):
            raise TenantNotReady(
                "tenant schema is being provisioned or migrated",
                schema_revision=record.schema_revision,
            )
        self._ready_tenants.add(tenant_id)

    def forget_tenant(self, tenant_id: uuid.UUID) -> None:
        """Drop cached readiness (after suspension, migration or deletion)."""
        self._ready_tenants.discard(tenant_id)

    @contextmanager
    def tenant_transaction(self) -> Iterator[Session]:
        """The edge's unit of work: one transaction, committed once, rolled back on error."""
        with self.tenant_session() as session, session.begin():
            yield session

    @contextmanager
    def platform_transaction(self) -> Iterator[Session]:
        with self.platform_session() as session, session.begin():
            yield session

    def dispose(self) -> None:
        self.engine.dispose()
