"""Who the browser is: a random visitor id in an HttpOnly cookie, and for a signed-in
visitor a server-side session holding the gateway tokens (they never reach the browser).

Sessions live in this process's memory: one web process per deployment for now, or sticky
routing; a shared store is the way to several replicas.
"""

import asyncio
import hashlib
import hmac
import re
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

VISITOR_ID = re.compile(r"[A-Za-z0-9_\-]{32,64}")


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
    access_expires_at: float
    me: dict[str, Any]
    last_seen: float = field(default_factory=time.monotonic)
    # One refresh at a time: refresh tokens rotate, and presenting a used one ends the session.
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


class SessionStore:
    def __init__(self, *, idle_seconds: int) -> None:
        self.idle_seconds = idle_seconds
        self._sessions: dict[str, WebSession] = {}

    def get(self, visitor_id: str | None) -> WebSession | None:
        if not visitor_id:
            return None
        session = self._sessions.get(visitor_id)
        now = time.monotonic()
        if session is None or now - session.last_seen > self.idle_seconds:
            self._sessions.pop(visitor_id, None)
            return None
        session.last_seen = now
        return session

    def put(self, visitor_id: str, session: WebSession) -> None:
        self._forget_idle()
        self._sessions[visitor_id] = session

    def drop(self, visitor_id: str | None) -> WebSession | None:
        return self._sessions.pop(visitor_id, None) if visitor_id else None

    def _forget_idle(self) -> None:
        now = time.monotonic()
        idle = [k for k, s in self._sessions.items() if now - s.last_seen > self.idle_seconds]
        for key in idle:
            del self._sessions[key]
