"""Admin-started re-index of one tenant: a run row (one running per tenant), the work in a
background thread of the API process, counts and a heartbeat written as it goes.

The thread asks identity for a service token (with the token of the user who started the
run) before each of customers' streams, then feeds them to `reindex_tenant`.
"""

import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from crm_search.indexing.reindex import reindex_tenant, stream_contacts, stream_customers
from crm_search.indexing.store import opensearch_client
from crm_search.reindexing import repository
from crm_search.reindexing.models import ReindexRun, RunStatus
from crm_search.reindexing.tokens import ServiceTokenClient
from crmkit.auth import Principal, PrincipalKind
from crmkit.db import Database
from crmkit.errors import Conflict, CrmError, PermissionDenied, Unauthenticated

log = logging.getLogger(__name__)


def utcnow() -> datetime:
    return datetime.now(UTC)


def start(
    session: Session, *, principal: Principal, stale_after: timedelta, now: datetime
) -> ReindexRun:
    """A new running run of the caller's tenant; a run whose process stopped beating is
    marked stale first, a live one refuses (409)."""
    if principal.kind is not PrincipalKind.USER or principal.tenant_id is None:
        raise PermissionDenied("only a user may start a re-index")
    for running in repository.running_for_update(session, principal.tenant_id):
        if now - running.heartbeat_at < stale_after:
            raise Conflict(f"re-index {running.id} of this tenant is still running")
        running.status = RunStatus.STALE
        running.error = f"no heartbeat since {running.heartbeat_at.isoformat()}"
    run = ReindexRun(
        id=uuid.uuid4(),
        tenant_id=principal.tenant_id,
        requested_by=principal.subject,
        status=RunStatus.RUNNING,
        customers=0,
        contacts=0,
        started_at=now,
        heartbeat_at=now,
    )
    try:
        with session.begin_nested():
            repository.add(session, run)
    except IntegrityError as exc:  # another process started one at the same moment
        raise Conflict("a re-index of this tenant is already running") from exc
    return run


def view(run: ReindexRun, *, stale_after: timedelta, now: datetime) -> dict[str, Any]:
    status = run.status
    if status == RunStatus.RUNNING and now - run.heartbeat_at >= stale_after:
        status = RunStatus.STALE
    body: dict[str, Any] = {
        "id": str(run.id),
        "status": str(status),
        "customers": run.customers,
        "contacts": run.contacts,
        "started_at": run.started_at.isoformat(),
        "heartbeat_at": run.heartbeat_at.isoformat(),
    }
    if run.finished_at is not None:
        body["finished_at"] = run.finished_at.isoformat()
    if run.error is not None:
        body["error"] = run.error
    return body


@dataclass
class _Progress:
    db: Database
    run_id: uuid.UUID
    every_seconds: float
    customers: int = 0
    contacts: int = 0
    _last_beat: float = field(default_factory=time.monotonic)

    def counted(self, records: Iterable[Any], kind: str) -> Iterator[Any]:
        for record in records:
            yield record
            setattr(self, kind, getattr(self, kind) + 1)
            if time.monotonic() - self._last_beat >= self.every_seconds:
                self.beat()

    def beat(self) -> None:
        with self.db.platform_transaction() as session:
            repository.beat(
                session,
                self.run_id,
                customers=self.customers,
                contacts=self.contacts,
                now=utcnow(),
            )
        self._last_beat = time.monotonic()

    def finish(self, status: RunStatus, error: str | None = None) -> None:
        with self.db.platform_transaction() as session:
            repository.finish(
                session,
                self.run_id,
                status=status,
                customers=self.customers,
                contacts=self.contacts,
                now=utcnow(),
                error=error,
            )


@dataclass(frozen=True)
class ReindexJob:
    db: Database
    run_id: uuid.UUID
    tenant_id: uuid.UUID
    user_token: str
    customers_target: str
    tokens: ServiceTokenClient
    heartbeat_seconds: float

    def run(self) -> None:
        progress = _Progress(self.db, self.run_id, self.heartbeat_seconds)
        try:
            fresh_token = _token_source(self.tokens, self.user_token)
            customers = stream_customers(self.customers_target, token=fresh_token())
            contacts = _lazy(lambda: stream_contacts(self.customers_target, token=fresh_token()))
            reindex_tenant(
                opensearch_client,
                tenant_id=str(self.tenant_id),
                customers=progress.counted(customers, "customers"),
                contacts=progress.counted(contacts, "contacts"),
            )
        except Exception as exc:
            log.exception("re-index %s of tenant %s failed", self.run_id, self.tenant_id)
            reason = str(exc) if isinstance(exc, CrmError) else type(exc).__name__
            progress.finish(RunStatus.FAILED, error=reason or type(exc).__name__)
            return
        progress.finish(RunStatus.DONE)

    def start_thread(self) -> threading.Thread:
        thread = threading.Thread(target=self.run, name=f"reindex-{self.run_id}", daemon=True)
        thread.start()
        return thread


def _token_source(tokens: ServiceTokenClient, user_token: str) -> Callable[[], str]:
    """A fresh service token per stream. The user's own access token is short-lived: once
    it has expired, the service token issued last is reused (customers refuses it in turn
    once that expires, and the run fails saying so)."""
    last: list[str] = []

    def fresh() -> str:
        try:
            last[:] = [tokens.issue(user_token=user_token)]
        except Unauthenticated:
            if not last:
                raise
        return last[0]

    return fresh


def _lazy(open_stream: Callable[[], Iterable[Any]]) -> Iterator[Any]:
    """Opens the stream when first read: the contacts stream (and its token) only after
    every customer was written."""
    yield from open_stream()
