"""Calls to the gateway's public API with the signed-in user's token, refreshing it silently.

Web uses nothing an integration could not: the same routes, the same bearer tokens.
"""

import time
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

import httpx

from crm_web.sessions import SessionStore, WebSession

# The browser's address as the gateway told us (its X-Forwarded-For), set per request.
browser_address: ContextVar[str | None] = ContextVar("browser_address", default=None)

# Refresh a little before expiry, so a page's several calls do not straddle it.
REFRESH_MARGIN_SECONDS = 20


class SignInRequired(Exception):
    """No session, or one the gateway no longer accepts: back to sign-in."""


class ApiError(Exception):
    """A problem+json answer from the gateway (4xx or 5xx)."""

    def __init__(self, status: int, body: dict[str, Any]) -> None:
        super().__init__(f"{status} {body.get('code')}: {body.get('detail')}")
        self.status = status
        self.body = body

    @property
    def code(self) -> str:
        return str(self.body.get("code") or f"http_{self.status}")

    @property
    def detail(self) -> str:
        return str(self.body.get("detail") or self.body.get("title") or self.code)

    @property
    def field_errors(self) -> dict[str, str]:
        """Reasons per field as the API names them (`name`, `email`, `custom.budget`)."""
        errors: dict[str, str] = {}
        for item in self.body.get("errors") or []:
            name = str(item.get("field") or "")
            errors.setdefault(name, str(item.get("reason") or "invalid"))
        field_name = self.body.get("field")
        if isinstance(field_name, str) and field_name not in errors:
            errors[field_name] = self.detail
        return errors


def _problem(response: httpx.Response) -> ApiError:
    try:
        body = response.json()
    except ValueError:
        body = {}
    if not isinstance(body, dict):
        body = {}
    return ApiError(response.status_code, body)


@dataclass
class Gateway:
    client: httpx.AsyncClient
    store: SessionStore
    secret: str | None = None

    async def _request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = dict(kwargs.pop("headers", None) or {})
        address = browser_address.get()
        if self.secret and address:
            headers["X-CRM-Web-Secret"] = self.secret
            headers["X-Forwarded-For"] = address
        return await self.client.request(method, path, headers=headers, **kwargs)

    async def public(self, method: str, path: str, **kwargs: Any) -> Any:
        """A call that needs no token (sign-up, sign-in, sign-up status)."""
        response = await self._request(method, path, **kwargs)
        if response.status_code >= 400:
            raise _problem(response)
        return response.json() if response.content else None

    async def sign_in(self, *, tenant: str, email: str, password: str) -> WebSession:
        tokens = await self.public(
            "POST",
            "/api/v1/auth/login",
            json={"tenant": tenant, "email": email, "password": password},
        )
        session = WebSession(
            access_token=tokens["access_token"],
            refresh_token=tokens["refresh_token"],
            access_expires_at=time.monotonic() + float(tokens["expires_in"]),
            me={},
        )
        session.me = await self.call(session, "GET", "/api/v1/me")
        return session

    async def sign_out(self, session: WebSession) -> None:
        try:
            await self._request(
                "POST",
                "/api/v1/auth/logout",
                headers={"Authorization": f"Bearer {session.access_token}"},
            )
        except httpx.HTTPError:
            pass  # the session is dropped here whatever identity says

    async def call(self, session: WebSession | None, method: str, path: str, **kwargs: Any) -> Any:
        """JSON of a 2xx answer; ApiError for a problem; SignInRequired when the session is
        gone (refresh refused)."""
        response = await self.send(session, method, path, **kwargs)
        if response.status_code >= 400:
            raise _problem(response)
        return response.json() if response.content else None

    async def send(
        self, session: WebSession | None, method: str, path: str, **kwargs: Any
    ) -> httpx.Response:
        if session is None:
            raise SignInRequired
        if session.access_expires_at - time.monotonic() < REFRESH_MARGIN_SECONDS:
            await self._refresh(session, stale=session.access_token)
        response = await self._authorized(session, method, path, **kwargs)
        if response.status_code == 401:
            # The token expired early or its session was ended: one refresh, one more try.
            await self._refresh(session, stale=session.access_token)
            response = await self._authorized(session, method, path, **kwargs)
            if response.status_code == 401:
                raise SignInRequired
        return response

    async def _authorized(
        self, session: WebSession, method: str, path: str, **kwargs: Any
    ) -> httpx.Response:
        headers = dict(kwargs.pop("headers", None) or {})
        headers["Authorization"] = f"Bearer {session.access_token}"
        return await self._request(method, path, headers=headers, **kwargs)

    async def _refresh(self, session: WebSession, *, stale: str) -> None:
        async with session.refresh_lock:
            if session.access_token != stale:
                return  # another request refreshed it while we waited
            response = await self._request(
                "POST", "/api/v1/auth/refresh", json={"refresh_token": session.refresh_token}
            )
            if response.status_code != 200:
                raise SignInRequired
            tokens = response.json()
            session.access_token = tokens["access_token"]
            session.refresh_token = tokens["refresh_token"]
            session.access_expires_at = time.monotonic() + float(tokens["expires_in"])
