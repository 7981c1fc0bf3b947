"""Two Alembic streams per service: `platform` (shared tables) and `tenant` (one schema each).

`migrate_all` upgrades the platform schema, then every tenant schema that is behind, one
transaction per tenant: an interrupted run leaves each tenant either upgraded or untouched,
and the next run carries on where it stopped.
"""

import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from alembic import command, op
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.schema import CreateSchema

from crmkit.registry import TenantRecord, TenantStatus
from crmkit.tenancy import PLATFORM_SCHEMA, schema_for

ENV_DIR = Path(__file__).parent / "alembic"
CRMKIT_PLATFORM_VERSIONS = Path(__file__).parent / "platform_versions"

Progress = Callable[[str], None]


def tenant_schema() -> str:
    """The schema a tenant revision is running in.

    Revisions name it explicitly: Alembic renders ALTER statements itself, so the
    `__tenant__` placeholder would not be mapped there.
    """
    schema = op.get_context().opts["version_table_schema"]
    if not schema or not str(schema).startswith("t_"):
        raise RuntimeError(f"not running in a tenant schema (got {schema!r})")
    return str(schema)


@dataclass(frozen=True)
class MigrationStreams:
    """Where a service keeps its revisions: `<root>/platform/` and `<root>/tenant/`.

    The platform stream also runs crmkit's own revisions (outbox, inbox, tenant registry),
    a branch of its own that every service's platform stream shares.
    """

    root: Path

    def config(self, stream: str, connection: Connection | None, schema: str) -> Config:
        cfg = Config()
        cfg.set_main_option("script_location", str(ENV_DIR))
        locations = [self.root / stream]
        if stream == "platform":
            locations.insert(0, CRMKIT_PLATFORM_VERSIONS)
        cfg.set_main_option("version_locations", " ".join(str(p) for p in locations))
        cfg.set_main_option("path_separator", "space")
        cfg.attributes["connection"] = connection
        cfg.attributes["schema"] = schema
        return cfg

    def head(self, stream: str) -> str | None:
        return ScriptDirectory.from_config(self.config(stream, None, "")).get_current_head()


@dataclass
class MigrationReport:
    tenants_total: int = 0
    tenants_upgraded: int = 0
    tenants_current: int = 0


# Alembic keeps its running context in module globals (`alembic.op`, `alembic.context`):
# two upgrades in one process at once would run each other's operations. One at a time.
_ALEMBIC_IN_PROCESS = threading.Lock()


def _lock(connection: Connection, name: str) -> None:
    """Serialise migrations of one schema across processes (migrate vs provisioning)."""
    connection.execute(select(func.pg_advisory_xact_lock(func.hashtext(name))))


def upgrade_platform(engine: Engine, streams: MigrationStreams) -> None:
    with engine.begin() as connection:
        _lock(connection, PLATFORM_SCHEMA)
        connection.execute(CreateSchema(PLATFORM_SCHEMA, if_not_exists=True))
        with _ALEMBIC_IN_PROCESS:
            command.upgrade(streams.config("platform", connection, PLATFORM_SCHEMA), "heads")


def _upgrade_tenant_schema(
    connection: Connection, streams: MigrationStreams, tenant_id: uuid.UUID
) -> str | None:
    schema = schema_for(tenant_id)
    _lock(connection, schema)
    connection.execute(CreateSchema(schema, if_not_exists=True))
    with _ALEMBIC_IN_PROCESS:
        command.upgrade(streams.config("tenant", connection, schema), "head")
    return streams.head("tenant")


def provision_tenant_schema(
    connection: Connection, streams: MigrationStreams, tenant_id: uuid.UUID
) -> None:
    """Create and migrate one tenant's schema and register it, in the caller's transaction.

    Safe to repeat: provisioning retries and redelivered events change nothing.
    """
    revision = _upgrade_tenant_schema(connection, streams, tenant_id)
    connection.execute(
        insert(TenantRecord)
        .values(id=tenant_id, status=TenantStatus.ACTIVE, schema_revision=revision)
        .on_conflict_do_update(
            index_elements=[TenantRecord.id],
            set_={"schema_revision": revision, "updated_at": func.now()},
        )
    )


def provision_tenant(engine: Engine, streams: MigrationStreams, tenant_id: uuid.UUID) -> None:
    with engine.begin() as connection:
        provision_tenant_schema(connection, streams, tenant_id)


def migrate_all(
    engine: Engine, streams: MigrationStreams, progress: Progress = lambda _: None
) -> MigrationReport:
    upgrade_platform(engine, streams)
    head = streams.head("tenant")
    with engine.connect() as connection:
        rows = connection.execute(
            select(TenantRecord.id, TenantRecord.schema_revision).order_by(TenantRecord.id)
        ).all()
    report = MigrationReport(tenants_total=len(rows))
    for position, (tenant_id, revision) in enumerate(rows, start=1):
        if revision == head:
            report.tenants_current += 1
            continue
        with engine.begin() as connection:
            new_revision = _upgrade_tenant_schema(connection, streams, tenant_id)
            connection.execute(
                TenantRecord.__table__.update()
                .where(TenantRecord.id == tenant_id)
                .values(schema_revision=new_revision, updated_at=func.now())
            )
        report.tenants_upgraded += 1
        progress(f"[{position}/{len(rows)}] {schema_for(tenant_id)}: {revision} -> {new_revision}")
    progress(
        f"tenants: {report.tenants_total}, upgraded {report.tenants_upgraded}, "
        f"already current {report.tenants_current}"
    )
    return report
