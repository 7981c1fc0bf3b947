"""This domain's Celery tasks; `crm_customers.jobs` registers them and merges SCHEDULE.

`run_import` works a chunk at a time, each chunk one transaction that also holds the job
row's lock: two deliveries of one job (a redelivery while the first worker still runs)
take turns on chunks and never process one twice; a killed worker's lock dies with its
connection, and the redelivered job carries on after the last committed chunk.
"""

import logging
import time
import uuid
from itertools import islice
from typing import Any

from celery import Task
from celery.schedules import crontab
from sqlalchemy.exc import IntegrityError, InterfaceError, OperationalError

from crm_customers.db import utcnow
from crm_customers.settings import get_customers_settings
from crm_customers.transfers import callers, exporting, importing, repository
from crm_customers.transfers.parsing import Sheet, UnreadableFile
from crmkit.db import Database
from crmkit.errors import TenantNotFound, TenantNotReady
from crmkit.tenancy import tenant_context

# Defined before the app is imported: `crm_customers.jobs` reads it while it imports this
# module, which happens first when this module is the one imported first.
SCHEDULE: dict[str, dict[str, Any]] = {
    "purge-import-uploads": {
        "task": "customers.transfers.purge_uploads",
        "schedule": crontab(hour=2, minute=15),
    },
}

from crm_customers.jobs import celery_app, database, each_tenant  # noqa: E402

RETRY_SECONDS = 5
MAX_RETRIES = 20
TRANSIENT = (TenantNotReady, OperationalError, InterfaceError, IntegrityError)

log = logging.getLogger(__name__)


@celery_app.task(  # type: ignore[untyped-decorator]
    name="customers.transfers.run_import", bind=True, max_retries=None
)
def run_import(self: Task, job_id: str) -> None:
    _run(self, lambda: import_job(database(), uuid.UUID(job_id)), job_id, _fail_import)


@celery_app.task(  # type: ignore[untyped-decorator]
    name="customers.transfers.run_export", bind=True, max_retries=None
)
def run_export(self: Task, job_id: str) -> None:
    _run(self, lambda: export_job(database(), uuid.UUID(job_id)), job_id, _fail_export)


@celery_app.task(name="customers.transfers.purge_uploads")  # type: ignore[untyped-decorator]
def purge_uploads() -> int:
    """Files uploaded for imports never started, a day on; one tenant failing stops none."""
    db, now, purged = database(), utcnow(), 0
    for tenant_id in each_tenant(db):
        try:
            with tenant_context(tenant_id), db.tenant_transaction() as session:
                purged += importing.purge_uploads(session, now=now)
        except Exception:
            log.exception("purging import uploads of tenant %s failed", tenant_id)
    return purged


def _run(task: Task, work: Any, job_id: str, fail: Any) -> None:
    try:
        work()
    except TenantNotFound:
        log.warning("job %s: its tenant is not served here; dropped", job_id)
    except TRANSIENT as exc:
        # The database away, the tenant being migrated, or a unique value claimed by a
        # concurrent writer: the job resumes after its last committed chunk.
        if task.request.retries >= MAX_RETRIES:
            log.exception("job %s: still failing after %s retries", job_id, MAX_RETRIES)
            fail(database(), uuid.UUID(job_id), f"gave up after retries: {type(exc).__name__}")
            return
        log.warning("job %s: %s; retrying", job_id, type(exc).__name__)
        raise task.retry(countdown=RETRY_SECONDS) from exc
    except Exception as exc:
        log.exception("job %s failed", job_id)
        fail(database(), uuid.UUID(job_id), f"internal error: {type(exc).__name__}")


def import_job(db: Database, job_id: uuid.UUID) -> None:
    settings = get_customers_settings()
    with db.tenant_transaction() as session:
        job = repository.import_job(session, job_id, lock=True)
        if job is None or job.status in importing.FINISHED:
            return
        stored = repository.file(session, job.file_id)
        sheet = Sheet(job.file_format, stored.content if stored else b"")
        try:
            header = sheet.header()
            if job.total is None:
                job.total = sheet.count()
        except UnreadableFile as exc:
            importing.finish(job, error=exc.detail)
            return
        job.status = "running"
        job.started_at = job.started_at or utcnow()
    rows = sheet.rows()
    position = 0
    while True:
        with db.tenant_transaction() as session:
            job = repository.import_job(session, job_id, lock=True)
            if job is None or job.status in importing.FINISHED:
                return
            # Another delivery may have committed chunks meanwhile: carry on after them.
            for _ in islice(rows, job.processed - position):
                pass
            position = job.processed
            try:
                chunk = list(islice(rows, settings.import_chunk_rows))
            except UnreadableFile as exc:
                importing.finish(job, error=exc.detail)
                return
            if not chunk:
                importing.finish(job)
                return
            importing.process_chunk(
                session, job=job, caller=callers.restore(job.caller), header=header, rows=chunk
            )
            position += len(chunk)
        if settings.import_chunk_pause_seconds:
            time.sleep(settings.import_chunk_pause_seconds)


def export_job(db: Database, job_id: uuid.UUID) -> None:
    """One transaction reads the rows (holding the job's claim) while short ones beside it
    commit the progress, so a poll sees `processed` move; the file and `done` commit last.
    A redelivered job whose worker died starts again from the first row."""
    settings = get_customers_settings()

    def progress(written: int) -> None:
        with db.tenant_transaction() as session:
            repository.set_export_progress(session, job_id, processed=written)
        if settings.export_chunk_pause_seconds:
            time.sleep(settings.export_chunk_pause_seconds)

    with db.tenant_transaction() as session:
        if not repository.claim_export(session, job_id):
            return  # another delivery is writing it; its own message returns if it dies
        job = repository.export_job(session, job_id)
        if job is None or job.status in importing.FINISHED:
            return
        total = exporting.count_rows(session, callers.restore(job.caller), job)
        with db.tenant_transaction() as beside:
            repository.set_export_progress(
                beside, job_id, status="running", total=total, processed=0
            )
        exporting.write_export(
            session, job, chunk_rows=settings.export_chunk_rows, on_chunk=progress
        )


def _fail_import(db: Database, job_id: uuid.UUID, error: str) -> None:
    with db.tenant_transaction() as session:
        job = repository.import_job(session, job_id, lock=True)
        if job is not None and job.status not in importing.FINISHED:
            importing.finish(job, error=error)


def _fail_export(db: Database, job_id: uuid.UUID, error: str) -> None:
    with db.tenant_transaction() as session:
        job = repository.export_job(session, job_id, lock=True)
        if job is not None and job.status not in importing.FINISHED:
            job.status, job.error, job.finished_at = "failed", error, utcnow()
