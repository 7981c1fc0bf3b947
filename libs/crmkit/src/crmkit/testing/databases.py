"""Real PostgreSQL databases for tests: one per service per test worker, built by Alembic."""

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from crmkit.db import Database, make_engine
from crmkit.migrations import MigrationStreams, provision_tenant, upgrade_platform
from crmkit.settings import Settings


def test_run_label() -> str:
    """Names this test process's databases and vhosts: the xdist worker, prefixed by
    `CRM_TEST_RUN` when set, so two checkouts' test runs can share the servers."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    run = os.environ.get("CRM_TEST_RUN", "")
    return f"{run}_{worker}" if run else worker


def test_database_url(settings: Settings, name: str) -> str:
    url = make_url(settings.database_url_for(name))
    return url.set(database=f"test_{name.replace('-', '_')}_{test_run_label()}").render_as_string(
        hide_password=False
    )


@contextmanager
def fresh_database(url: str) -> Iterator[None]:
    """Create the database at `url` anew (dropping a leftover from an earlier run)."""
    target = make_url(url)
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    name = target.database
    if not (name and name.startswith("test_")):
        raise ValueError(f"only test databases are dropped, not {name!r}")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    yield


def build_test_database(settings: Settings, name: str, streams: MigrationStreams) -> Database:
    url = test_database_url(settings, name)
    with fresh_database(url):
        pass
    engine = make_engine(url, pool_size=5)
    upgrade_platform(engine, streams)
    return Database(engine, required_tenant_revision=streams.head("tenant"))


def new_tenant(db: Database, streams: MigrationStreams) -> uuid.UUID:
    tenant_id = uuid.uuid4()
    provision_tenant(db.engine, streams, tenant_id)
    return tenant_id
