"""Who the browser is: a random visitor id in an HttpOnly cookie, and for a signed-in
visitor a server-side session holding the gateway tokens (they never reach the browser).

Sessions live in PostgreSQL (`platform.web_sessions`), so every web replica serves every
visitor and a restart signs nobody out. A row is keyed by an HMAC of the visitor id and
holds the tokens sealed with AES-GCM: someone who reads the table can neither find a
cookie that fits a row nor use the tokens. Both keys come from CRM_WEB_SECRET_KEY (HKDF),
which every replica must share.
"""

import asyncio
import hashlib
import hmac
import json
import re
import secrets
import time
import uuid
from collections import OrderedDict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

VISITOR_ID = re.compile(r"[A-Za-z0-9_\-]{32,64}")

SESSIONS = sa.Table(
    "web_sessions",
    sa.MetaData(schema="platform"),
    sa.Column("id", sa.LargeBinary(32), primary_key=True),
    sa.Column("tenant_id", sa.Uuid(), nullable=False),
    sa.Column("user_id", sa.Uuid(), nullable=False),
    sa.Column("version", sa.Integer(), nullable=False),
    sa.Column("access_expires_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("sealed", sa.LargeBinary(), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
)
_READ = (SESSIONS.c.id, SESSIONS.c.version, SESSIONS.c.access_expires_at, SESSIONS.c.sealed)

# last_seen_at is written at most this often per session (and a tenth of the idle time when
# that is shorter): idle expiry is that much less exact, and most requests only read.
TOUCH_EVERY_SECONDS = 60.0
PRUNE_EVERY_SECONDS = 60.0
PRUNE_BATCH = 500
# Per-process look-up caches kept (one per session recently served here).
CACHED_SESSIONS = 2000


def cookie_name(base: str, *, secure: bool) -> str:
    # `__Host-`: the browser keeps it only if Secure, path=/ and no Domain, so no subdomain
    # or plain-http page can plant or overwrite it.
    return f"__Host-{base}" if secure else base


def new_visitor_id() -> str:
    return secrets.token_urlsafe(32)


def csrf_token(secret: str, visitor_id: str) -> str:
    """Bound to the visitor's cookie: a page of another site cannot read it or compute it."""
    return hmac.new(secret.encode(), f"csrf:{visitor_id}".encode(), hashlib.sha256).hexdigest()


def csrf_ok(secret: str, visitor_id: str, presented: str | None) -> bool:
    return bool(presented) and hmac.compare_digest(csrf_token(secret, visitor_id), presented or "")


@dataclass
class WebSession:
    access_token: str
    refresh_token: str
    # Wall-clock seconds (time.time()): replicas compare it, so not a monotonic clock.
    access_expires_at: float
    me: dict[str, Any]
    # The stored row: its key (HMAC of the visitor id; empty until stored) and how many
    # refreshes it has seen.
    key: bytes = b""
    version: int = 1
    # One refresh at a time among this request's concurrent calls (replicas: the row lock).
    refresh_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    # Look-ups many pages need (user names, dictionary labels): (loaded at, value).
    cache: dict[str, tuple[float, Any]] = field(default_factory=dict)

    @property
    def user(self) -> dict[str, Any]:
        return dict(self.me.get("user") or {})

    @property
    def tenant(self) -> dict[str, Any]:
        return dict(self.me.get("tenant") or {})

    @property
    def permissions(self) -> set[str]:
        return set(self.me.get("permissions") or [])

    def can(self, permission: str) -> bool:
        return permission in self.permissions

    def take_tokens(self, other: "WebSession") -> None:
        """Another request (or replica) refreshed while this one waited: use its tokens."""
        self.access_token = other.access_token
        self.refresh_token = other.refresh_token
        self.access_expires_at = other.access_expires_at
        self.version = other.version


def _derive(secret: str, purpose: bytes) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=b"crm-web-sessions", info=purpose
    ).derive(secret.encode())


class LockedSession:
    """The session's row, locked (SELECT ... FOR UPDATE) until the block ends."""

    def __init__(self, store: "SessionStore", connection: AsyncConnection, current: WebSession):
        self._store = store
        self._connection = connection
        self.current = current

    async def save(self, session: WebSession) -> None:
        await self._connection.execute(
            sa.update(SESSIONS)
            .where(SESSIONS.c.id == session.key)
            .values(**self._store.sealed_columns(session), last_seen_at=sa.func.now())
        )


class SessionStore:
    def __init__(self, engine: AsyncEngine, *, secret_key: str, idle_seconds: int) -> None:
        self.engine = engine
        self.idle_seconds = idle_seconds
        self._lookup_key = _derive(secret_key, b"visitor id lookup")
        self._cipher = AESGCM(_derive(secret_key, b"token encryption"))
        self._caches: OrderedDict[bytes, dict[str, tuple[float, Any]]] = OrderedDict()
        self.prune_every_seconds = PRUNE_EVERY_SECONDS
        self._pruned_at = float("-inf")

    def key_of(self, visitor_id: str) -> bytes:
        return hmac.new(self._lookup_key, visitor_id.encode(), hashlib.sha256).digest()

    @property
    def _idle(self) -> timedelta:
        return timedelta(seconds=self.idle_seconds)

    def _live(self) -> sa.ColumnElement[bool]:
        # Idle expiry by the database's clock, the one every replica shares.
        return SESSIONS.c.last_seen_at > sa.func.now() - self._idle

    async def get(self, visitor_id: str | None) -> WebSession | None:
        """The visitor's live session: one primary-key read, which also marks it used when
        its last mark is older than the touch interval."""
        if not visitor_id:
            return None
        key = self.key_of(visitor_id)
        touch = timedelta(seconds=min(TOUCH_EVERY_SECONDS, self.idle_seconds / 10))
        # Best effort: a row another replica holds for a refresh is skipped, not waited
        # for (the refresh marks it used itself).
        due = (
            sa.select(SESSIONS.c.id)
            .where(
                SESSIONS.c.id == key,
                self._live(),
                SESSIONS.c.last_seen_at < sa.func.now() - touch,
            )
            .with_for_update(skip_locked=True)
        )
        touched = (
            sa.update(SESSIONS)
            .where(SESSIONS.c.id.in_(due.scalar_subquery()))
            .values(last_seen_at=sa.func.now())
            .cte("touched")
        )
        query = sa.select(*_READ).where(SESSIONS.c.id == key, self._live()).add_cte(touched)
        try:
            row = await self._first(query)
        except DBAPIError as exc:
            # The pool does not ping before each read (a round trip per request): a
            # connection the server dropped (restart, failover) fails once, and the pool
            # then discards it and its siblings.
            if not exc.connection_invalidated:
                raise
            row = await self._first(query)
        return self._open(row) if row is not None else None

    async def _first(self, query: sa.Executable) -> sa.Row[Any] | None:
        async with self.engine.connect() as connection:
            return (await connection.execute(query)).first()

    async def put(self, visitor_id: str, session: WebSession) -> None:
        session.key = self.key_of(visitor_id)
        session.version = 1
        user = session.user
        values = {
            **self.sealed_columns(session),
            "tenant_id": uuid.UUID(str(session.tenant["id"])),
            "user_id": uuid.UUID(str(user["id"])),
        }
        statement = insert(SESSIONS).values(
            id=session.key, created_at=sa.func.now(), last_seen_at=sa.func.now(), **values
        )
        statement = statement.on_conflict_do_update(
            index_elements=[SESSIONS.c.id],
            set_={**values, "created_at": sa.func.now(), "last_seen_at": sa.func.now()},
        )
        async with self.engine.connect() as connection:
            await connection.execute(statement)
            await self._prune(connection)
        session.cache = self._cache_for(session.key)

    async def drop(self, visitor_id: str | None) -> WebSession | None:
        """Ends the visitor's session on every replica; returns it (live or not) so the
        caller can end it at identity too."""
        if not visitor_id:
            return None
        key = self.key_of(visitor_id)
        self._caches.pop(key, None)
        async with self.engine.connect() as connection:
            row = (
                await connection.execute(
                    sa.delete(SESSIONS).where(SESSIONS.c.id == key).returning(*_READ)
                )
            ).first()
        return self._open(row) if row is not None else None

    @asynccontextmanager
    async def locked(self, session: WebSession) -> AsyncIterator[LockedSession | None]:
        """The session's row as it is now, locked against other replicas' refreshes for the
        block (None: signed out or idle meanwhile). Re-read: it may have moved on."""
        async with self.engine.connect() as connection:
            await connection.execution_options(isolation_level="READ COMMITTED")
            async with connection.begin():
                row = (
                    await connection.execute(
                        sa.select(*_READ)
                        .where(SESSIONS.c.id == session.key, self._live())
                        .with_for_update()
                    )
                ).first()
                current = self._open(row) if row is not None else None
                yield LockedSession(self, connection, current) if current is not None else None

    def sealed_columns(self, session: WebSession) -> dict[str, Any]:
        secret = json.dumps(
            {
                "access_token": session.access_token,
                "refresh_token": session.refresh_token,
                "me": session.me,
            }
        ).encode()
        nonce = secrets.token_bytes(12)
        return {
            "version": session.version,
            "access_expires_at": datetime.fromtimestamp(session.access_expires_at, UTC),
            # The row key as associated data: a sealed value moved to another row won't open.
            "sealed": nonce + self._cipher.encrypt(nonce, secret, session.key),
        }

    def _open(self, row: sa.Row[Any]) -> WebSession | None:
        key, version, access_expires_at, sealed = row
        try:
            plain = json.loads(self._cipher.decrypt(sealed[:12], sealed[12:], key))
        except InvalidTag:
            return None  # sealed under another CRM_WEB_SECRET_KEY: as good as signed out
        return WebSession(
            access_token=plain["access_token"],
            refresh_token=plain["refresh_token"],
            access_expires_at=access_expires_at.timestamp(),
            me=plain["me"],
            key=key,
            version=version,
            cache=self._cache_for(key),
        )

    def _cache_for(self, key: bytes) -> dict[str, tuple[float, Any]]:
        cache = self._caches.setdefault(key, {})
        self._caches.move_to_end(key)
        while len(self._caches) > CACHED_SESSIONS:
            self._caches.popitem(last=False)
        return cache

    async def _prune(self, connection: AsyncConnection) -> None:
        """Deletes a batch of idle rows on sign-in, at most once a minute per process: reads
        skip idle rows anyway, this only keeps the table small."""
        now = time.monotonic()
        if now - self._pruned_at < self.prune_every_seconds:
            return
        self._pruned_at = now
        idle = (
            sa.select(SESSIONS.c.id)
            .where(SESSIONS.c.last_seen_at < sa.func.now() - self._idle)
            .limit(PRUNE_BATCH)
            .with_for_update(skip_locked=True)
        )
        await connection.execute(
            sa.delete(SESSIONS).where(SESSIONS.c.id.in_(idle.scalar_subquery()))
        )
