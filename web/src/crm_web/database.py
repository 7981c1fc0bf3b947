"""The console's own database (`crm_web`): one platform table of sessions, migrated the way
the services migrate theirs (`python -m crm_web migrate`, crmkit's platform stream)."""

from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from crmkit.db import make_engine
from crmkit.migrations import MigrationStreams, upgrade_platform
from crmkit.settings import get_settings

SERVICE_NAME = "web"
# Web has no tenant schemas: only the platform stream (crmkit's branch and web's) runs.
STREAMS = MigrationStreams(root=Path(__file__).resolve().parents[2] / "migrations")


def database_url() -> str:
    """From the same `CRM_DATABASE_URL` the services read, `{service}` being `web`."""
    return get_settings().database_url_for(SERVICE_NAME)


def migrate(url: str | None = None) -> None:
    # The services' own first step (it pulls in their whole runtime, so imported here).
    from crmkit.service import _ensure_database_exists

    target = url or database_url()
    _ensure_database_exists(target)
    engine = make_engine(target, pool_size=1)
    try:
        upgrade_platform(engine, STREAMS)
    finally:
        engine.dispose()


def async_engine(url: str | None = None) -> AsyncEngine:
    """psycopg's asyncio driver: session reads never block the event loop. Statements
    commit on their own and connections are not pinged first, so a request costs one round
    trip (the store retries a read once on a dropped connection); the refresh opens its
    own transaction."""
    return create_async_engine(
        url or database_url(),
        pool_size=get_settings().database_pool_size,
        max_overflow=get_settings().database_pool_size,
        pool_pre_ping=False,
        pool_recycle=1800,
        isolation_level="AUTOCOMMIT",
    )
