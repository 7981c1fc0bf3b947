"""The periodic pass that announces due reminders, every tenant, one short transaction per
batch (see `history.due`)."""

import logging
from typing import Any

from crm_customers.db import utcnow
from crm_customers.history.due import BATCH, announce_due
from crm_customers.jobs import celery_app, database, each_tenant
from crm_customers.settings import get_customers_settings
from crmkit.tenancy import tenant_context

log = logging.getLogger(__name__)

SCHEDULE: dict[str, dict[str, Any]] = {
    "announce-due-reminders": {
        "task": "crm_customers.history.announce_due_reminders",
        "schedule": get_customers_settings().reminder_pass_seconds,
    }
}


@celery_app.task(name="crm_customers.history.announce_due_reminders")  # type: ignore[untyped-decorator]
def announce_due_reminders() -> int:
    db, announced = database(), 0
    for tenant_id in each_tenant(db):
        try:
            with tenant_context(tenant_id):
                while True:
                    with db.tenant_transaction() as session:
                        count = announce_due(session, now=utcnow())
                    announced += count
                    if count < BATCH:
                        break
        except Exception:
            log.exception("announcing due reminders of tenant %s failed", tenant_id)
    return announced
