"""Edge middleware: request ids, security headers, and what the client's address is."""

import hmac
import ipaddress
import re
import uuid
from collections.abc import Iterable

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

REQUEST_ID = "x-request-id"
DOCS_PREFIX = "/api/docs"
# Paths the gateway answers itself or sends to a service; every other path is the web console's.
NOT_WEB_PREFIXES = ("/api/", "/.well-known/", "/healthz", "/readyz")
_REQUEST_ID_SHAPE = re.compile(r"[A-Za-z0-9._:\-]{1,128}")
API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
DOCS_CSP = (
    "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none';"
    " form-action 'none'"
)
# The web console's pages: scripts and styles only from its own files (crm_web.security has
# the same policy for when it runs on its own; a test keeps the two equal).
WEB_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:;"
    " font-src 'self'; connect-src 'self'; object-src 'none'; frame-src 'self';"
    " frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)


def header_values(headers: Iterable[tuple[bytes, bytes]], name: bytes) -> list[str]:
    return [value.decode("latin-1") for key, value in headers if key.lower() == name]


def forwarded_chain(scope: Scope, *, trusted_hops: int) -> list[str]:
    """Client addresses nearest last: X-Forwarded-For entries the trusted proxies vouch for,
    then the peer. Entries added before the first trusted proxy are the client's to invent."""
    client = scope.get("client")
    peer = client[0] if client else "unknown"
    if trusted_hops <= 0:
        return [peer]
    entries: list[str] = []
    for value in header_values(scope.get("headers") or [], b"x-forwarded-for"):
        entries.extend(part.strip() for part in value.split(",") if part.strip())
    return [*entries[-trusted_hops:], peer]


def client_ip(scope: Scope, *, trusted_hops: int) -> str:
    return forwarded_chain(scope, trusted_hops=trusted_hops)[0]


def original_scheme(scope: Scope, *, trusted_hops: int) -> str:
    if trusted_hops > 0:
        values = header_values(scope.get("headers") or [], b"x-forwarded-proto")
        if values:
            return values[-1].split(",")[-1].strip().lower()
    return str(scope.get("scheme", "http"))


WEB_SECRET = b"x-crm-web-secret"


class WebClientMiddleware:
    """The web console calls the API on behalf of browsers: with the shared secret, the
    address it names becomes the client's, so rate limits and sign-in throttling count each
    browser and not the console's one address. Without it, both headers are dropped."""

    def __init__(self, app: ASGIApp, *, secret: str | None) -> None:
        self.app = app
        self.secret = secret.encode() if secret else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and self.secret:
            headers = scope.get("headers") or []
            presented = header_values(headers, WEB_SECRET)
            if presented and hmac.compare_digest(presented[0].encode("latin-1"), self.secret):
                named = header_values(headers, b"x-forwarded-for")
                address = named[-1].split(",")[-1].strip() if named else ""
                try:
                    ipaddress.ip_address(address)
                except ValueError:
                    address = ""
                if address:
                    scope = {
                        **scope,
                        "client": (address, 0),
                        "headers": [
                            (k, v)
                            for k, v in headers
                            if k.lower() not in (WEB_SECRET, b"x-forwarded-for")
                        ],
                    }
        await self.app(scope, receive, send)


class RequestIdMiddleware:
    """Every request gets an `X-Request-Id` (the client's if well formed), echoed back."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = header_values(scope.get("headers") or [], REQUEST_ID.encode())
        request_id = given[0] if given and _REQUEST_ID_SHAPE.fullmatch(given[0]) else None
        request_id = request_id or uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)[REQUEST_ID] = request_id
            await send(message)

        await self.app(scope, receive, send_with_id)


class SecurityHeadersMiddleware:
    """Browser hardening on every response, whatever an upstream sent."""

    def __init__(self, app: ASGIApp, *, hsts_seconds: int, trusted_hops: int) -> None:
        self.app = app
        self.hsts_seconds = hsts_seconds
        self.trusted_hops = trusted_hops

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = str(scope.get("path", ""))
        docs = path.startswith(DOCS_PREFIX)
        web = not path.startswith(NOT_WEB_PREFIXES)
        https = original_scheme(scope, trusted_hops=self.trusted_hops) == "https"

        async def send_hardened(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers["X-Content-Type-Options"] = "nosniff"
                headers["X-Frame-Options"] = "DENY"
                # Pages may tell their own site where a click came from, never another site.
                headers["Referrer-Policy"] = "same-origin" if web else "no-referrer"
                headers["Cross-Origin-Opener-Policy"] = "same-origin"
                headers["Content-Security-Policy"] = (
                    WEB_CSP if web else DOCS_CSP if docs else API_CSP
                )
                if https and self.hsts_seconds > 0:
                    headers["Strict-Transport-Security"] = (
                        f"max-age={self.hsts_seconds}; includeSubDomains"
                    )
                if "server" in headers:
                    del headers["server"]
            await send(message)

        await self.app(scope, receive, send_hardened)
