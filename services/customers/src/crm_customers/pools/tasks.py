"""This domain's Celery tasks; `crm_customers.jobs` registers them and merges SCHEDULE.

`reclaim_pool_customers` runs one reclaim pass (reminders included) over every ready
tenant, one tenant after another; a tenant failing stops no other. Passes are idempotent and
may overlap (see `crm_customers.pools.reclaim`).
"""

import logging
from typing import Any

from celery import shared_task
from sqlalchemy import select

from crm_customers.db import utcnow
from crm_customers.pools.reclaim import PassResult, reclaim_tenant
from crm_customers.settings import get_customers_settings
from crmkit.db import Database
from crmkit.registry import TenantRecord, TenantStatus
from crmkit.tenancy import tenant_context

log = logging.getLogger(__name__)

RECLAIM_TASK = "crm_customers.pools.tasks.reclaim_pool_customers"

SCHEDULE: dict[str, dict[str, Any]] = {
    "reclaim-pool-customers": {
        "task": RECLAIM_TASK,
        "schedule": get_customers_settings().pool_reclaim_every_seconds,
    }
}


def reclaim_all_tenants(db: Database) -> dict[str, int]:
    with db.platform_session() as session:
        tenants = session.scalars(
            select(TenantRecord.id).where(TenantRecord.status != TenantStatus.SUSPENDED)
        ).all()
    total = PassResult()
    batch = get_customers_settings().pool_reclaim_batch
    for tenant_id in tenants:
        try:
            with tenant_context(tenant_id):
                result = reclaim_tenant(db, now=utcnow(), batch_size=batch)
            total.reclaimed += result.reclaimed
            total.reminded += result.reminded
        except Exception:
            log.exception("reclaiming pool customers of tenant %s failed", tenant_id)
    return {"reclaimed": total.reclaimed, "reminded": total.reminded}


@shared_task(name=RECLAIM_TASK)  # type: ignore[untyped-decorator]
def reclaim_pool_customers() -> dict[str, int]:
    from crm_customers.jobs import database  # the worker's one Database, opened lazily

    return reclaim_all_tenants(database())
