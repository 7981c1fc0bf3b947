"""Calls to the gateway's public API with the signed-in user's token, refreshing it silently.

Web uses nothing an integration could not: the same routes, the same bearer tokens.
"""

import time
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

import httpx

from crm_web.i18n import catalogue
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
        # The page's language, set by `Page.api`: field errors with a code we know are said
        # in it; the others keep the API's English reason.
        self.locale: str | None = None

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
            errors.setdefault(name, field_reason(item, self.locale))
        field_name = self.body.get("field")
        if isinstance(field_name, str) and field_name not in errors:
            errors[field_name] = self.detail
        return errors


def field_reason(error: dict[str, Any], locale: str | None) -> str:
    """An API field error in the user's language when its code has a message (`error.field.
    string_too_long` with the error's params), else the API's own reason."""
    reason = str(error.get("reason") or "invalid")
    code, params = error.get("code"), error.get("params") or {}
    if not locale or not isinstance(code, str) or not isinstance(params, dict):
        return reason
    message = catalogue(locale).get(f"error.field.{code}")
    if message is None:
        return reason
    try:
        return message.format(**params)
    except (KeyError, IndexError, ValueError):  # a message naming a param the API did not send
        return reason


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
            access_expires_at=time.time() + float(tokens["expires_in"]),
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
        if session.access_expires_at - time.time() < REFRESH_MARGIN_SECONDS:
            await self._refresh(session, stale=session.version)
        response = await self._authorized(session, method, path, **kwargs)
        if response.status_code == 401:
            # The token expired early or its session was ended: one refresh, one more try.
            await self._refresh(session, stale=session.version)
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

    async def _refresh(self, session: WebSession, *, stale: int) -> None:
        """Refresh tokens rotate and identity ends the session when a used one comes back,
        so a session is refreshed once: one request of this process at a time (the lock),
        one replica at a time (the row lock), each re-checking after the wait."""
        async with session.refresh_lock:
            if session.version != stale:
                return  # another call of this request refreshed it while we waited
            if not session.key:  # not stored yet (signing in): nobody else has it
                self._renewed(session, await self._renew(session))
                return
            async with self.store.locked(session) as row:
                if row is None:
                    raise SignInRequired  # signed out (or idle) meanwhile
                if row.current.version != session.version:
                    session.take_tokens(row.current)  # another request or replica did it
                    return
                self._renewed(session, await self._renew(session))
                await row.save(session)

    async def _renew(self, session: WebSession) -> dict[str, Any]:
        response = await self._request(
            "POST", "/api/v1/auth/refresh", json={"refresh_token": session.refresh_token}
        )
        if response.status_code != 200:
            raise SignInRequired
        tokens: dict[str, Any] = response.json()
        return tokens

    @staticmethod
    def _renewed(session: WebSession, tokens: dict[str, Any]) -> None:
        session.access_token = tokens["access_token"]
        session.refresh_token = tokens["refresh_token"]
        session.access_expires_at = time.time() + float(tokens["expires_in"])
        session.version += 1
