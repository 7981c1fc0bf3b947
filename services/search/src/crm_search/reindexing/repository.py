import uuid
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from crm_search.reindexing.models import ReindexRun, RunStatus


def add(session: Session, run: ReindexRun) -> None:
    session.add(run)
    session.flush()


def of_tenant(session: Session, *, tenant_id: uuid.UUID, run_id: uuid.UUID) -> ReindexRun | None:
    return session.scalar(
        select(ReindexRun).where(ReindexRun.id == run_id, ReindexRun.tenant_id == tenant_id)
    )


def running_for_update(session: Session, tenant_id: uuid.UUID) -> list[ReindexRun]:
    return list(
        session.scalars(
            select(ReindexRun)
            .where(ReindexRun.tenant_id == tenant_id, ReindexRun.status == RunStatus.RUNNING)
            .with_for_update()
        )
    )


def beat(
    session: Session, run_id: uuid.UUID, *, customers: int, contacts: int, now: datetime
) -> None:
    session.execute(
        update(ReindexRun)
        .where(ReindexRun.id == run_id, ReindexRun.status == RunStatus.RUNNING)
        .values(customers=customers, contacts=contacts, heartbeat_at=now)
    )


def finish(
    session: Session,
    run_id: uuid.UUID,
    *,
    status: RunStatus,
    customers: int,
    contacts: int,
    now: datetime,
    error: str | None = None,
) -> None:
    # Only a run still running: one replaced as stale meanwhile keeps that verdict.
    session.execute(
        update(ReindexRun)
        .where(ReindexRun.id == run_id, ReindexRun.status == RunStatus.RUNNING)
        .values(
            status=status,
            customers=customers,
            contacts=contacts,
            heartbeat_at=now,
            finished_at=now,
            error=error,
        )
    )
