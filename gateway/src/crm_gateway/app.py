"""The gateway app: edge routes, the catch-all proxy under /api/v1, docs and readiness."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import FileResponse, JSONResponse
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
from opentelemetry.trace import TracerProvider
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from crm_gateway.guard import Guard, Limits
from crm_gateway.openapi import OpenApiAggregator
from crm_gateway.problems import RouteNotFound, crm_problem, http_problem
from crm_gateway.proxy import forward
from crm_gateway.routes import API_PREFIX, Route, RoutingTable
from crm_gateway.security import (
    RequestIdMiddleware,
    SecurityHeadersMiddleware,
    WebClientMiddleware,
)
from crm_gateway.settings import GatewaySettings
from crm_gateway.tenants import TenantDirectory
from crmkit.errors import CrmError
from crmkit.service import make_verifier
from crmkit.settings import Settings, get_settings

DOCS = Path(__file__).parent / "docs"
METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]
CORS_HEADERS = [
    "Authorization",
    "Content-Type",
    "Idempotency-Key",
    "If-Match",
    "If-None-Match",
    "X-Request-Id",
    "traceparent",
    "tracestate",
    "Accept-Language",
]
# Room for a multipart body's boundaries and part headers around a largest-allowed file.
FILE_FRAMING_BYTES = 64 * 1024
CORS_EXPOSED = ["X-Request-Id", "Retry-After", "ETag", "Location", "Content-Disposition"]


@dataclass
class Edge:
    """What the running gateway holds: built at start-up, closed at shutdown."""

    settings: GatewaySettings
    table: RoutingTable
    client: httpx.AsyncClient
    guard: Guard
    openapi: OpenApiAggregator

    def _body_limit(self, request: Request) -> int:
        # `/api/v1/imports…` and the console's own `/imports…` (its wizard uploads the file), the
        # console's `/files/upload/…` (a customer's attachments) and `/api/v1/files…`.
        path = request.url.path
        rest = path.removeprefix(API_PREFIX) if path.startswith(API_PREFIX) else path[1:]
        segment = rest.split("/", 1)[0]
        if segment == "files":  # as large as the files service takes a file
            return self.settings.file_max_bytes + FILE_FRAMING_BYTES
        if segment in self.settings.upload_resources:
            return self.settings.upload_max_body_bytes
        return self.settings.max_body_bytes

    async def proxy(self, request: Request, route: Route) -> Response:
        await self.guard.admit(request, route)
        return await forward(
            request,
            client=self.client,
            route=route,
            max_body_bytes=self._body_limit(request),
            trusted_hops=self.settings.trusted_proxy_hops,
            tenant_slug=self.guard.slug(request),
        )


def _start(
    *,
    settings: GatewaySettings,
    platform: Settings,
    table: RoutingTable,
    tracer_provider: TracerProvider | None,
) -> Edge:
    client = httpx.AsyncClient(
        timeout=httpx.Timeout(
            settings.upstream_timeout_seconds, connect=settings.connect_timeout_seconds
        ),
        # Idle connections are dropped before the services' own keep-alive (uvicorn: 5 s)
        # closes them, so a request is rarely sent on a connection closing under it.
        limits=httpx.Limits(
            max_connections=500, max_keepalive_connections=100, keepalive_expiry=2.0
        ),
        follow_redirects=False,
    )
    HTTPXClientInstrumentor.instrument_client(client, tracer_provider=tracer_provider)
    # The same check every service runs: signature, claims, and a live session at identity.
    verifier = make_verifier(platform)
    tenants = TenantDirectory(
        client=client,
        identity_url=table.services.get("identity", ""),
        lookup_path=settings.tenant_lookup_path,
        cache_seconds=settings.tenant_cache_seconds,
    )
    guard = Guard(
        settings=settings, verifier=verifier, tenants=tenants, limits=Limits.from_settings(settings)
    )
    openapi = OpenApiAggregator(
        client=client, table=table, cache_seconds=settings.openapi_cache_seconds
    )
    return Edge(settings=settings, table=table, client=client, guard=guard, openapi=openapi)


def create_gateway(
    *,
    settings: GatewaySettings | None = None,
    platform: Settings | None = None,
    tracer_provider: TracerProvider | None = None,
) -> FastAPI:
    gateway_settings = settings or GatewaySettings()
    routes = gateway_settings.routes
    if "routes" not in gateway_settings.model_fields_set:
        # The default table may name services a deployment leaves out; a table given in
        # configuration must not, and is refused at start when it does.
        routes = {k: v for k, v in routes.items() if v in gateway_settings.services}
    table = RoutingTable(
        services=gateway_settings.services, routes=routes, public=gateway_settings.public_routes
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        edge = _start(
            settings=gateway_settings,
            platform=platform or get_settings(),
            table=table,
            tracer_provider=tracer_provider,
        )
        app.state.edge = edge
        try:
            yield
        finally:
            await edge.client.aclose()

    app = FastAPI(
        title="CRM gateway", lifespan=lifespan, openapi_url=None, docs_url=None, redoc_url=None
    )
    app.add_exception_handler(CrmError, crm_problem)
    app.add_exception_handler(StarletteHTTPException, http_problem)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=gateway_settings.cors_origins,
        allow_credentials=True,
        allow_methods=METHODS,
        allow_headers=CORS_HEADERS,
        expose_headers=CORS_EXPOSED,
        max_age=600,
    )
    app.add_middleware(RequestIdMiddleware)
    app.add_middleware(WebClientMiddleware, secret=gateway_settings.web_secret)
    app.add_middleware(
        SecurityHeadersMiddleware,
        hsts_seconds=gateway_settings.hsts_seconds,
        trusted_hops=gateway_settings.trusted_proxy_hops,
    )
    _add_routes(app, table)
    FastAPIInstrumentor.instrument_app(
        app,
        tracer_provider=tracer_provider,
        excluded_urls="healthz,readyz",
        exclude_spans=["receive", "send"],
    )
    return app


def _edge(request: Request) -> Edge:
    edge: Edge = request.app.state.edge
    return edge


def _add_routes(app: FastAPI, table: RoutingTable) -> None:
    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz")
    async def readyz(request: Request) -> JSONResponse:
        """Ready when every upstream answers its own readiness; names those that do not."""
        client = _edge(request).client

        async def probe(base: str) -> str | None:
            try:
                response = await client.get(f"{base}/readyz", timeout=2.0)
            except httpx.HTTPError as exc:
                return type(exc).__name__
            return (
                None if response.status_code == 200 else f"readyz answered {response.status_code}"
            )

        names = list(table.services)
        answers = await asyncio.gather(*(probe(table.services[name]) for name in names))
        down = {name: answer for name, answer in zip(names, answers, strict=True) if answer}
        return JSONResponse({"ready": not down, "down": down}, status_code=503 if down else 200)

    @app.get("/api/openapi.json")
    async def openapi(request: Request) -> dict[str, Any]:
        return await _edge(request).openapi.document()

    @app.get("/api/docs")
    def docs() -> FileResponse:
        return FileResponse(DOCS / "index.html", media_type="text/html")

    @app.get("/api/docs/{name}")
    def docs_asset(name: str) -> FileResponse:
        kinds = {"docs.js": "text/javascript", "docs.css": "text/css"}
        if name not in kinds:
            raise RouteNotFound(f"no docs asset {name!r}")
        return FileResponse(DOCS / name, media_type=kinds[name])

    @app.get("/.well-known/jwks.json")
    async def jwks(request: Request) -> Response:
        if "identity" not in table.services:
            raise RouteNotFound("no identity service configured")
        route = Route(
            service="identity",
            base_url=table.services["identity"],
            public=True,
            portal=False,
            auth=False,
        )
        return await _edge(request).proxy(request, route)

    @app.api_route("/api/v1/{path:path}", methods=METHODS)
    async def api(request: Request, path: str) -> Response:
        route = None
        if not any(part in (".", "..") for part in request.url.path.split("/")):
            route = table.resolve(method=request.method, path=request.url.path)
        if route is None:
            raise RouteNotFound(f"no service serves {request.url.path}")
        return await _edge(request).proxy(request, route)

    @app.api_route("/{path:path}", methods=["GET", "HEAD", "POST"])
    async def web(request: Request, path: str) -> Response:
        """Everything outside /api is the web console's (pages, forms, its static files)."""
        edge = _edge(request)
        if not edge.settings.web_url or request.url.path.startswith("/api/"):
            raise RouteNotFound(f"nothing serves {request.url.path}")
        route = Route(
            service="web", base_url=edge.settings.web_url.rstrip("/"),
            public=True, portal=False, auth=False,
        )  # fmt: skip
        return await edge.proxy(request, route)
