"""The customers worker: each domain's Celery tasks and periodic schedule, in one app.

`python -m crm_customers worker` runs it with an embedded beat. Tasks live in their
domain's `tasks.py`; this module only gathers them.
"""

import tempfile
import uuid
from pathlib import Path

from sqlalchemy import select

from crm_customers.streams import STREAMS
from crmkit.db import Database
from crmkit.jobs import make_celery
from crmkit.registry import TenantRecord, TenantStatus
from crmkit.service import open_database
from crmkit.settings import get_settings

celery_app = make_celery("customers")
celery_app.conf.beat_schedule_filename = str(
    Path(tempfile.gettempdir()) / "crm-customers-celerybeat-schedule"
)

_db: Database | None = None


def database() -> Database:
    global _db
    if _db is None:
        from crm_customers.definition import DEFINITION

        _db = open_database(DEFINITION, get_settings())
    return _db


def each_tenant(db: Database) -> list[uuid.UUID]:
    """The tenants a periodic pass visits: every one not suspended."""
    with db.platform_session() as session:
        return list(
            session.scalars(
                select(TenantRecord.id)
                .where(TenantRecord.status != TenantStatus.SUSPENDED)
                .order_by(TenantRecord.id)
            )
        )


def _register_domain_tasks() -> None:
    from crm_customers.history import tasks as history
    from crm_customers.insights import tasks as insights
    from crm_customers.pools import tasks as pools
    from crm_customers.transfers import tasks as transfers

    for domain in (history, pools, transfers, insights):
        celery_app.conf.beat_schedule = {**celery_app.conf.beat_schedule, **domain.SCHEDULE}


_register_domain_tasks()

__all__ = ["STREAMS", "celery_app", "database", "each_tenant"]
