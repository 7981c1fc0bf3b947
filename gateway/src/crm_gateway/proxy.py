"""Forwarding one request to its upstream, streaming the body both ways."""

from collections.abc import AsyncIterator

import httpx
from fastapi import Request
from starlette.background import BackgroundTask
from starlette.requests import ClientDisconnect
from starlette.responses import Response, StreamingResponse

from crm_gateway.problems import PayloadTooLarge, UpstreamTimeout, UpstreamUnavailable
from crm_gateway.routes import Route
from crm_gateway.security import REQUEST_ID, forwarded_chain, original_scheme

HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "proxy-connection",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
    }
)
# Set by the gateway alone: a client's own value would be believed upstream.
_GATEWAY_OWNED = ("x-crm-", "x-forwarded-", "forwarded", "x-real-ip", REQUEST_ID)
TENANT_SLUG = "X-CRM-Tenant-Slug"
# The gateway's own server stamps these; an upstream's copy would be a duplicate.
_RESPONSE_OWNED = frozenset({"date", "server"})


def _hop_by_hop(headers: httpx.Headers | list[tuple[str, str]]) -> set[str]:
    items = headers.multi_items() if isinstance(headers, httpx.Headers) else headers
    named = {
        token.strip().lower()
        for key, value in items
        if key.lower() == "connection"
        for token in value.split(",")
    }
    return set(HOP_BY_HOP) | named


def upstream_headers(
    request: Request, *, trusted_hops: int, tenant_slug: str | None
) -> list[tuple[str, str]]:
    incoming = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in request.scope["headers"]]
    drop = _hop_by_hop(incoming) | {"host", "content-length"}
    headers = [
        (key, value)
        for key, value in incoming
        if key.lower() not in drop and not key.lower().startswith(_GATEWAY_OWNED)
    ]
    if request.headers.get("content-length"):
        headers.append(("content-length", request.headers["content-length"]))
    chain = forwarded_chain(request.scope, trusted_hops=trusted_hops)
    headers += [
        ("X-Forwarded-For", ", ".join(chain)),
        ("X-Forwarded-Proto", original_scheme(request.scope, trusted_hops=trusted_hops)),
        ("X-Forwarded-Host", request.headers.get("host", "")),
        ("X-Request-Id", str(request.state.request_id)),
    ]
    if tenant_slug:
        headers.append((TENANT_SLUG, tenant_slug))
    return headers


def declared_length(request: Request) -> int | None:
    value = request.headers.get("content-length")
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


async def _limited(request: Request, *, limit: int) -> AsyncIterator[bytes]:
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(f"request body exceeds {limit} bytes", limit=limit)
        if chunk:
            yield chunk


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


async def _send(client: httpx.AsyncClient, request: httpx.Request) -> httpx.Response:
    """Send once more when a kept-alive connection turns out closed by the upstream (it
    timed out idle just as we reused it); only for safe methods, which carry no body."""
    try:
        return await client.send(request, stream=True)
    except (httpx.RemoteProtocolError, httpx.ReadError):
        if request.method not in SAFE_METHODS:
            raise
        return await client.send(request, stream=True)


async def forward(
    request: Request,
    *,
    client: httpx.AsyncClient,
    route: Route,
    max_body_bytes: int,
    trusted_hops: int,
    tenant_slug: str | None,
) -> Response:
    length = declared_length(request)
    if length is not None and length > max_body_bytes:
        raise PayloadTooLarge(f"request body exceeds {max_body_bytes} bytes", limit=max_body_bytes)
    has_body = length is not None or "transfer-encoding" in request.headers
    raw_path: bytes = request.scope.get("raw_path") or request.url.path.encode()
    query: bytes = request.scope.get("query_string") or b""
    url = httpx.URL(route.base_url).copy_with(raw_path=raw_path + (b"?" + query if query else b""))
    upstream_request = client.build_request(
        request.method,
        url,
        headers=upstream_headers(request, trusted_hops=trusted_hops, tenant_slug=tenant_slug),
        content=_limited(request, limit=max_body_bytes) if has_body else None,
    )
    try:
        upstream = await _send(client, upstream_request)
    except ClientDisconnect:
        # Nobody is left to read an answer; the upstream saw its request cut short.
        return Response(status_code=400)
    except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
        raise UpstreamUnavailable(f"{route.service} is unavailable", service=route.service) from exc
    except httpx.TimeoutException as exc:
        raise UpstreamTimeout(
            f"{route.service} did not answer in time", service=route.service
        ) from exc
    except httpx.HTTPError as exc:
        raise UpstreamUnavailable(
            f"{route.service} failed: {type(exc).__name__}", service=route.service
        ) from exc
    drop = _hop_by_hop(upstream.headers) | _RESPONSE_OWNED
    response = StreamingResponse(
        upstream.aiter_raw(),
        status_code=upstream.status_code,
        background=BackgroundTask(upstream.aclose),
    )
    response.raw_headers = [
        (key, value)
        for key, value in upstream.headers.raw
        if key.decode("latin-1").lower() not in drop
    ]
    return response
