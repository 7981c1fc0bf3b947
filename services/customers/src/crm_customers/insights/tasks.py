"""This domain's Celery tasks; `crm_customers.jobs` registers them and merges SCHEDULE.

Daily, for every ready tenant (one transaction each; one failing stops no other): care
reminders, and the potential scores (recency decays with time). `backfill_coordinates`
runs for the tenant in its message headers (`crmkit.jobs.TenantTask`).
"""

import logging
from collections.abc import Callable
from typing import Any

from celery.schedules import crontab
from sqlalchemy.orm import Session

from crm_customers.db import utcnow
from crm_customers.insights import care, geocoding, potential
from crm_customers.jobs import celery_app, database, each_tenant
from crmkit.db import Database
from crmkit.tenancy import tenant_context

log = logging.getLogger(__name__)

SCHEDULE: dict[str, dict[str, Any]] = {
    "care-reminders": {
        "task": "crm_customers.insights.send_care_reminders",
        "schedule": crontab(hour=0, minute=30),
    },
    "recompute-potential": {
        "task": "crm_customers.insights.recompute_potential",
        "schedule": crontab(hour=1, minute=0),
    },
}


def for_each_tenant(db: Database, work: Callable[[Session], int], what: str) -> int:
    """`work` in each ready tenant, one transaction each; one failing stops no other."""
    done = 0
    for tenant_id in each_tenant(db):
        try:
            with tenant_context(tenant_id), db.tenant_transaction() as session:
                done += work(session)
        except Exception:
            log.exception("%s of tenant %s failed", what, tenant_id)
    return done


@celery_app.task(name="crm_customers.insights.send_care_reminders")  # type: ignore[untyped-decorator]
def send_care_reminders() -> int:
    return for_each_tenant(
        database(), lambda s: care.send_reminders(s, today=utcnow().date()), "care reminders"
    )


@celery_app.task(name="crm_customers.insights.recompute_potential")  # type: ignore[untyped-decorator]
def recompute_potential() -> int:
    return for_each_tenant(database(), potential.recompute_tenant, "potential scores")


@celery_app.task(name="crm_customers.insights.backfill_coordinates")  # type: ignore[untyped-decorator]
def backfill_coordinates() -> int:
    with database().tenant_transaction() as session:
        return geocoding.backfill(session)
