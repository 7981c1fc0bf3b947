"""`Idempotency-Key` on writes: a client that lost an answer (a timeout, a dropped
connection) sends the same request again with the same key and gets the first answer back
instead of a second effect.

The key is scoped to the caller (tenant and principal). The first request claims it in its
own short transaction before the endpoint runs; when the endpoint answers below 500 the
answer is stored, otherwise the claim is released so a retry runs again. A retry with the
same key and the same request replays the stored answer (`Idempotent-Replayed: true`); the
same key with another request is `422 idempotency_key_reused`; a retry while the first is
still running is `409 request_in_progress`. A claim left by a process that died is taken
over after `abandoned_after`. Stored answers are pruned with the event tables.
"""

import hashlib
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import (
    ColumnElement,
    DateTime,
    LargeBinary,
    String,
    Uuid,
    and_,
    delete,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import JSONB, insert
from sqlalchemy.orm import Mapped, mapped_column
from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from crmkit.auth import current_principal_or_none
from crmkit.db import Database, PlatformBase
from crmkit.errors import Conflict, CrmError, FieldError, InvalidInput

HEADER = b"idempotency-key"
WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
MAX_KEY_LENGTH = 200
MAX_STORED_BODY = 1024 * 1024  # larger answers are not kept: a retry runs again
KEPT_HEADERS = frozenset({"content-type", "location", "etag"})
PROBLEM_JSON = "application/problem+json"

Scoped = tuple[uuid.UUID, str, str]  # tenant, principal, key


class IdempotencyRecord(PlatformBase):
    __tablename__ = "idempotency_keys"

    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    principal: Mapped[str] = mapped_column(String(200), primary_key=True)
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int | None]
    headers: Mapped[dict[str, str] | None] = mapped_column(JSONB)
    body: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


@dataclass(frozen=True)
class Stored:
    status_code: int
    headers: dict[str, str]
    body: bytes


class KeyReused(InvalidInput):
    code, title = "idempotency_key_reused", "Idempotency key reused"


class RequestInProgress(Conflict):
    code, title = "request_in_progress", "Request in progress"


def _matching(scoped: Scoped) -> ColumnElement[bool]:
    tenant_id, principal, key = scoped
    return and_(
        IdempotencyRecord.tenant_id == tenant_id,
        IdempotencyRecord.principal == principal,
        IdempotencyRecord.key == key,
    )


class IdempotencyStore:
    def __init__(self, db: Database, *, abandoned_after: timedelta) -> None:
        self._db = db
        self._abandoned_after = abandoned_after

    def claim(self, scoped: Scoped, fingerprint: str) -> Stored | None:
        """None when this request may run; the stored answer when it already ran."""
        tenant_id, principal, key = scoped
        now = datetime.now(UTC)
        with self._db.platform_transaction() as session:
            claimed = session.execute(
                insert(IdempotencyRecord)
                .values(
                    tenant_id=tenant_id,
                    principal=principal,
                    key=key,
                    fingerprint=fingerprint,
                    created_at=now,
                )
                .on_conflict_do_nothing()
                .returning(IdempotencyRecord.key)
            ).first()
            if claimed is not None:
                return None
            record = session.scalars(
                select(IdempotencyRecord).where(_matching(scoped)).with_for_update()
            ).first()
            if record is None:  # released meanwhile: the next attempt claims it
                raise RequestInProgress("the first request with this Idempotency-Key just ended")
            if record.fingerprint != fingerprint:
                raise KeyReused(
                    "Idempotency-Key: used before for another request",
                    errors=[FieldError("Idempotency-Key", "used before for another request")],
                )
            if record.status_code is not None:
                return Stored(record.status_code, dict(record.headers or {}), record.body or b"")
            if now - record.created_at < self._abandoned_after:
                raise RequestInProgress("the first request with this Idempotency-Key still runs")
            record.created_at = now  # its process died: this request takes the claim over
            return None

    def complete(self, scoped: Scoped, answer: Stored) -> None:
        with self._db.platform_transaction() as session:
            session.execute(
                update(IdempotencyRecord)
                .where(_matching(scoped))
                .values(
                    status_code=answer.status_code,
                    headers=answer.headers,
                    body=answer.body,
                    completed_at=datetime.now(UTC),
                )
            )

    def release(self, scoped: Scoped) -> None:
        with self._db.platform_transaction() as session:
            session.execute(delete(IdempotencyRecord).where(_matching(scoped)))


def fingerprint_of(scope: Scope, body: bytes) -> str:
    digest = hashlib.sha256()
    for part in (scope["method"], scope["path"], scope.get("query_string", b"").decode()):
        digest.update(part.encode() + b"\0")
    digest.update(body)
    return digest.hexdigest()


class IdempotencyMiddleware:
    """Runs inside `ContextMiddleware` (it needs the verified principal)."""

    def __init__(self, app: ASGIApp, store: IdempotencyStore) -> None:
        self.app = app
        self.store = store

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        raw_key = dict(scope.get("headers") or []).get(HEADER)
        principal = current_principal_or_none()
        if (
            scope["type"] != "http"
            or scope["method"] not in WRITES
            or raw_key is None
            or principal is None
            or principal.tenant_id is None
        ):
            await self.app(scope, receive, send)
            return
        key = raw_key.decode("latin-1").strip()
        if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
            error = InvalidInput.on_field(
                "Idempotency-Key", f"1 to {MAX_KEY_LENGTH} printable characters"
            )
            await _problem(error, scope, receive, send)
            return
        body = await _read_body(receive)
        scoped: Scoped = (principal.tenant_id, f"{principal.kind}:{principal.subject}", key)
        try:
            stored = await run_in_threadpool(self.store.claim, scoped, fingerprint_of(scope, body))
        except CrmError as error:
            await _problem(error, scope, receive, send)
            return
        if stored is not None:
            replay = Response(stored.body, status_code=stored.status_code, headers=stored.headers)
            replay.headers["Idempotent-Replayed"] = "true"
            await replay(scope, receive, send)
            return
        await self._run_and_keep(scoped, scope, body, send)

    async def _run_and_keep(self, scoped: Scoped, scope: Scope, body: bytes, send: Send) -> None:
        status = 500
        headers: dict[str, str] = {}
        chunks: list[bytes] = []
        size = 0
        delivered = False

        async def replay_body() -> Message:
            nonlocal delivered
            if delivered:
                return {"type": "http.disconnect"}
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}

        async def capture(message: Message) -> None:
            nonlocal status, size
            if message["type"] == "http.response.start":
                status = int(message["status"])
                for name, value in message.get("headers", []):
                    if name.decode("latin-1").lower() in KEPT_HEADERS:
                        headers[name.decode("latin-1")] = value.decode("latin-1")
            elif message["type"] == "http.response.body":
                size += len(message.get("body", b""))
                if size <= MAX_STORED_BODY:
                    chunks.append(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, replay_body, capture)
        except BaseException:
            await run_in_threadpool(self.store.release, scoped)
            raise
        if status >= 500 or size > MAX_STORED_BODY:
            await run_in_threadpool(self.store.release, scoped)
        else:
            answer = Stored(status, headers, b"".join(chunks))
            await run_in_threadpool(self.store.complete, scoped, answer)


async def _read_body(receive: Receive) -> bytes:
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            break
    return b"".join(chunks)


async def _problem(error: CrmError, scope: Scope, receive: Receive, send: Send) -> None:
    response = JSONResponse(
        error.problem(instance=scope.get("path")),
        status_code=error.http_status,
        media_type=PROBLEM_JSON,
    )
    await response(scope, receive, send)
