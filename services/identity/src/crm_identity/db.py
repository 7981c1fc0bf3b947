"""Identity's declarative bases (what every tenant has, what the platform schema holds),
and the unit of work of a tenant being born."""

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.orm import DeclarativeBase, Session

from crmkit.db import Database, platform_metadata, tenant_metadata
from crmkit.tenancy import TENANT_SCHEMA_PLACEHOLDER, schema_for


class TenantBase(DeclarativeBase):
    """Tables in each tenant's schema (users, org tree, roles, sessions, audit, ...)."""

    metadata = tenant_metadata()


class PlatformBase(DeclarativeBase):
    """Identity's tables in the `platform` schema: tenants, signing keys, login throttle."""

    metadata = platform_metadata()


@contextmanager
def new_tenant_transaction(db: Database, tenant_id: uuid.UUID) -> Iterator[Session]:
    """One transaction on one connection, mapping the placeholder to a tenant schema that
    this very transaction creates (sign-up): a pooled tenant session could not see it yet."""
    with db.engine.connect() as connection:
        mapped = connection.execution_options(
            schema_translate_map={TENANT_SCHEMA_PLACEHOLDER: schema_for(tenant_id)}
        )
        with Session(bind=mapped, expire_on_commit=False) as session, session.begin():
            yield session
