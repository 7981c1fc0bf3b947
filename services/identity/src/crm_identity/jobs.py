"""Identity's worker: the periodic sweep that fails provisioning which timed out.

`python -m crm_identity worker` runs Celery with an embedded beat (crmkit adds `--beat`
when an app has a schedule). The sweep is idempotent and locks the rows it fails
(`SKIP LOCKED`), so two workers running it at once do no harm.
"""

import tempfile
from pathlib import Path

from crm_identity.keys.service import utcnow
from crm_identity.settings import get_identity_settings
from crm_identity.streams import STREAMS
from crm_identity.tenants import service as tenants
from crmkit.db import Database
from crmkit.jobs import make_celery
from crmkit.service import open_database
from crmkit.settings import get_settings

celery_app = make_celery("identity")
celery_app.conf.beat_schedule = {
    "fail-overdue-provisioning": {
        "task": "crm_identity.jobs.fail_overdue_provisioning",
        "schedule": get_identity_settings().provisioning_sweep_seconds,
    }
}
celery_app.conf.beat_schedule_filename = str(
    Path(tempfile.gettempdir()) / "crm-identity-celerybeat-schedule"
)

_db: Database | None = None


def _database() -> Database:
    global _db
    if _db is None:
        from crm_identity.definition import DEFINITION

        _db = open_database(DEFINITION, get_settings())
    return _db


@celery_app.task(name="crm_identity.jobs.fail_overdue_provisioning")  # type: ignore[untyped-decorator]
def fail_overdue_provisioning() -> int:
    with _database().platform_transaction() as session:
        failed = tenants.fail_overdue(session, settings=get_identity_settings(), now=utcnow())
    return len(failed)


__all__ = ["STREAMS", "celery_app", "fail_overdue_provisioning"]
