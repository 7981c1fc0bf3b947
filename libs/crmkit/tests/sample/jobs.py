"""The sample service's Celery app, run by a real `celery worker` process in tests."""

import os
from functools import cache

from crmkit.db import Database, make_engine
from crmkit.jobs import make_celery
from crmkit.tenancy import current_tenant_or_none

from .models import STREAMS, Note

celery_app = make_celery(os.environ.get("SAMPLE_JOBS_SERVICE", "sample"))
celery_app.conf.update(result_backend="rpc://")


@cache
def database() -> Database:
    engine = make_engine(os.environ["SAMPLE_DATABASE_URL"], pool_size=2)
    return Database(engine, required_tenant_revision=STREAMS.head("tenant"))


@celery_app.task(name="sample.add_note")
def add_note(title: str) -> str | None:
    with database().tenant_transaction() as session:
        session.add(Note(title=title))
    tenant = current_tenant_or_none()
    return str(tenant) if tenant else None


@celery_app.task(name="sample.slow_note")
def slow_note(title: str, seconds: float, started_marker: str) -> None:
    """Leaves a marker when it starts, so a test knows the job is under way."""
    import time
    from pathlib import Path

    Path(started_marker).touch()
    time.sleep(seconds)
    add_note(title)
