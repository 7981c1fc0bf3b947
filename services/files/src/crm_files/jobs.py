"""The files worker: the periodic purge of deleted files past retention (bytes first) and
of uploads never confirmed. `python -m crm_files worker` runs it with an embedded beat."""

import logging
import tempfile
from pathlib import Path

from sqlalchemy import select

from crm_files.db import utcnow
from crm_files.files import service
from crm_files.settings import files_settings
from crm_files.streams import STREAMS
from crmkit.db import Database
from crmkit.jobs import make_celery
from crmkit.registry import TenantRecord, TenantStatus
from crmkit.service import open_database
from crmkit.settings import get_settings
from crmkit.tenancy import tenant_context

log = logging.getLogger(__name__)

celery_app = make_celery("files")
celery_app.conf.beat_schedule = {
    "purge-deleted-files": {
        "task": "crm_files.jobs.purge_deleted_files",
        "schedule": files_settings().purge_every_seconds,
    }
}
celery_app.conf.beat_schedule_filename = str(
    Path(tempfile.gettempdir()) / "crm-files-celerybeat-schedule"
)

_db: Database | None = None


def _database() -> Database:
    global _db
    if _db is None:
        from crm_files.definition import DEFINITION

        _db = open_database(DEFINITION, get_settings())
    return _db


def purge_all_tenants(db: Database) -> int:
    """Purge every ready tenant, one transaction each; one tenant failing stops no other."""
    with db.platform_session() as session:
        tenants = session.scalars(
            select(TenantRecord.id).where(TenantRecord.status != TenantStatus.SUSPENDED)
        ).all()
    removed = 0
    for tenant_id in tenants:
        try:
            with tenant_context(tenant_id), db.tenant_transaction() as session:
                removed += service.purge(session, now=utcnow())
        except Exception:
            log.exception("purging files of tenant %s failed", tenant_id)
    return removed


@celery_app.task(name="crm_files.jobs.purge_deleted_files")  # type: ignore[untyped-decorator]
def purge_deleted_files() -> int:
    return purge_all_tenants(_database())


__all__ = ["STREAMS", "celery_app", "purge_all_tenants", "purge_deleted_files"]
