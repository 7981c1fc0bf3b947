"""The staff web console: server-rendered pages over the gateway's public API."""

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import urlsplit

import httpx
from fastapi import Depends, FastAPI, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, Response
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup, escape

from crm_web.assets import asset_url, static_files
from crm_web.database import async_engine
from crm_web.gateway import ApiError, Gateway, SignInRequired, browser_address, field_reason
from crm_web.pages import (
    admin,
    admin_audit,
    admin_roles,
    auth,
    customer_bulk,
    customer_columns,
    customer_contacts,
    customer_files,
    customer_map,
    customers,
    dashboard,
    home,
    people,
    pools,
    search,
    transfers,
)
from crm_web.pages.common import page_of, redirect, sign_in_url
from crm_web.pages.pool_reclaim import pool_name
from crm_web.security import PageHeadersMiddleware
from crm_web.sessions import VISITOR_ID, SessionStore, cookie_name, csrf_ok, new_visitor_id
from crm_web.settings import WebSettings

HERE = Path(__file__).parent
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
VISITOR_COOKIE = "crm_visitor"


def highlight(fragment: str) -> Markup:
    """Search highlights: everything escaped, then only the <em> marks given back."""
    escaped = str(escape(fragment))
    return Markup(escaped.replace("&lt;em&gt;", "<em>").replace("&lt;/em&gt;", "</em>"))  # noqa: S704


def _templates() -> Environment:
    # Autoescape everything: every value from the API is someone's typing.
    environment = Environment(
        loader=FileSystemLoader(HERE / "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["highlight"] = highlight
    environment.globals["asset"] = asset_url
    environment.globals["field_reason"] = field_reason
    environment.globals["pool_name"] = pool_name
    return environment


async def check_csrf(request: Request) -> None:
    """Every state-changing request carries the visitor's CSRF token, as a form field or (for
    HTMX) the X-CSRF-Token header."""
    if request.method in SAFE_METHODS:
        return
    presented = request.headers.get("x-csrf-token")
    if presented is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        form = await request.form()
        value = form.get("csrf_token")
        presented = value if isinstance(value, str) else None
    settings: WebSettings = request.app.state.settings
    if not csrf_ok(settings.secret_key, request.state.visitor_id, presented):
        raise CsrfRefused


class CsrfRefused(Exception):
    pass


def create_app(*, settings: WebSettings | None = None, database_url: str | None = None) -> FastAPI:
    """`database_url`: where sessions live; crmkit's CRM_DATABASE_URL for `web` when unset."""
    web_settings = settings or WebSettings()
    visitor_cookie = cookie_name(VISITOR_COOKIE, secure=web_settings.secure_cookies)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        client = httpx.AsyncClient(
            base_url=web_settings.api_url.rstrip("/"),
            timeout=httpx.Timeout(web_settings.api_timeout_seconds, connect=3.0),
            follow_redirects=False,
            # Let idle connections go before the gateway's server does (uvicorn closes them
            # after 5 s): reusing one it is closing fails the request mid-way.
            limits=httpx.Limits(keepalive_expiry=2.0),
        )
        app.state.gateway = Gateway(
            client=client, store=app.state.store, secret=web_settings.gateway_secret
        )
        try:
            yield
        finally:
            await client.aclose()
            await app.state.store.engine.dispose()

    app = FastAPI(
        title="CRM web console",
        lifespan=lifespan,
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
        dependencies=[Depends(check_csrf)],
    )
    app.state.settings = web_settings
    app.state.store = SessionStore(
        async_engine(database_url),
        secret_key=web_settings.secret_key,
        idle_seconds=web_settings.session_idle_seconds,
    )
    app.state.templates = _templates()
    app.state.visitor_cookie = visitor_cookie

    @app.middleware("http")
    async def visitor(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        given = request.cookies.get(visitor_cookie)
        fresh = given is None or not VISITOR_ID.fullmatch(given)
        request.state.visitor_id = new_visitor_id() if fresh else given
        request.state.fresh_visitor = fresh
        # The gateway names the browser first in X-Forwarded-For (it drops a client's own).
        forwarded = request.headers.get("x-forwarded-for", "").split(",")[0].strip()
        browser_address.set(forwarded or (request.client.host if request.client else None))
        response = await call_next(request)
        visitor_id = getattr(request.state, "new_visitor_id", None)
        if fresh or visitor_id:
            response.set_cookie(
                visitor_cookie,
                visitor_id or request.state.visitor_id,
                httponly=True,
                secure=web_settings.secure_cookies,
                samesite="lax",
                path="/",
            )
        return response

    app.add_middleware(PageHeadersMiddleware)

    @app.exception_handler(SignInRequired)
    async def to_sign_in(request: Request, exc: SignInRequired) -> Response:
        page = await page_of(request)
        await page.store.drop(page.visitor_id)
        back = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        current = request.headers.get("hx-current-url")
        if page.htmx and current:
            parts = urlsplit(current)
            back = parts.path + (f"?{parts.query}" if parts.query else "")
        elif request.method not in SAFE_METHODS:
            back = "/"
        return redirect(page, sign_in_url(back))

    @app.exception_handler(CsrfRefused)
    async def csrf_refused(request: Request, exc: CsrfRefused) -> Response:
        page = await page_of(request)
        return page.render("error.html", status_code=403, message=page.t("error.csrf"))

    @app.exception_handler(ApiError)
    async def api_error(request: Request, exc: ApiError) -> Response:
        page = await page_of(request)
        key = {404: "error.not_found", 403: "error.forbidden"}.get(exc.status, "error.api")
        return page.render(
            "error.html", status_code=exc.status if exc.status < 500 else 502,
            message=page.t(key), detail=exc.detail,
        )  # fmt: skip

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> PlainTextResponse:
        return PlainTextResponse("ok")

    # Ready as soon as it serves: pages that cannot reach the gateway say so themselves.
    @app.get("/readyz", include_in_schema=False)
    def readyz() -> PlainTextResponse:
        return PlainTextResponse("ok")

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon() -> Response:
        return Response(status_code=204)

    app.mount("/static", static_files(), name="static")
    for module in (auth, home, customers, search):
        app.include_router(module.router)
    for module in (customer_bulk, customer_columns, customer_contacts):  # bulk's pages
        app.include_router(module.router)
    for module in (dashboard, customer_map, admin, admin_roles, admin_audit):  # web2's pages
        app.include_router(module.router)
    for module in (pools, transfers, customer_files):
        app.include_router(module.router)
    app.include_router(people.router)  # the people pickers' search

    @app.exception_handler(404)
    async def not_found(request: Request, exc: Exception) -> HTMLResponse:
        page = await page_of(request)
        return page.render("error.html", status_code=404, message=page.t("error.not_found"))

    return app
