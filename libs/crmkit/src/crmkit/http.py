"""FastAPI plumbing every service shares: the context middleware, problem+json errors,
health endpoints and the `Annotated` dependencies endpoints declare what they need with.
"""

import logging
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Receive, Scope, Send

from crmkit.auth import (
    Principal,
    TokenVerifier,
    bearer_token,
    current_principal,
    principal_context,
)
from crmkit.db import Database
from crmkit.errors import CrmError, FieldError, InvalidInput, Unauthenticated
from crmkit.idempotency import IdempotencyMiddleware, IdempotencyStore
from crmkit.settings import get_settings
from crmkit.tenancy import tenant_context

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"
ReadinessCheck = Callable[[], None]


def problem_response(error: CrmError, request: Request) -> JSONResponse:
    return JSONResponse(
        error.problem(instance=request.url.path),
        status_code=error.http_status,
        media_type=PROBLEM_JSON,
    )


class ContextMiddleware:
    """The one place an HTTP request gets its principal and tenant: the verified token."""

    def __init__(self, app: ASGIApp, verifier: TokenVerifier) -> None:
        self.app = app
        self.verifier = verifier

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        principal: Principal | None = None
        try:
            token = bearer_token(headers.get(b"authorization", b"").decode("latin-1") or None)
            if token is not None:
                # Off the event loop: the session check may wait on gRPC or a pooled
                # connection, and endpoints need the loop to give connections back.
                principal = await run_in_threadpool(self.verifier.verify, token)
        except Unauthenticated as error:
            response = JSONResponse(
                error.problem(instance=scope.get("path")),
                status_code=error.http_status,
                media_type=PROBLEM_JSON,
                headers={"WWW-Authenticate": "Bearer"},
            )
            await response(scope, receive, send)
            return
        tenant_id = principal.tenant_id if principal is not None else None
        with principal_context(principal), tenant_context(tenant_id):
            await self.app(scope, receive, send)


def _validation_problem(request: Request, exc: RequestValidationError) -> JSONResponse:
    errors = []
    for item in exc.errors():
        location = [str(part) for part in item.get("loc", ()) if part not in ("body",)]
        errors.append(FieldError.from_pydantic(".".join(location) or "body", item))
    detail = "; ".join(f"{e.field}: {e.reason}" for e in errors)
    return problem_response(InvalidInput(detail, errors=errors), request)


def _http_problem(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    error = CrmError(str(exc.detail))
    body = error.problem(instance=request.url.path)
    body.update(status=exc.status_code, title=str(exc.detail), code=f"http_{exc.status_code}")
    return JSONResponse(
        body, status_code=exc.status_code, media_type=PROBLEM_JSON, headers=exc.headers
    )


def _crm_problem(request: Request, exc: CrmError) -> JSONResponse:
    if exc.http_status >= 500:
        log.error("request failed: %s", exc, exc_info=exc)
    return problem_response(exc, request)


def _unexpected_problem(request: Request, exc: Exception) -> JSONResponse:
    log.error("unexpected error", exc_info=exc)
    return problem_response(CrmError("an unexpected error occurred"), request)


def create_app(
    *,
    title: str,
    verifier: TokenVerifier,
    routers: list[APIRouter],
    db: Database | None = None,
    readiness_checks: dict[str, ReadinessCheck] | None = None,
) -> FastAPI:
    app = FastAPI(title=title, responses={422: {"description": "Invalid input"}})
    app.state.db = db
    if db is not None:  # added first: it runs inside ContextMiddleware, after the token
        store = IdempotencyStore(
            db, abandoned_after=timedelta(seconds=get_settings().idempotency_abandoned_seconds)
        )
        app.add_middleware(IdempotencyMiddleware, store=store)
    app.add_middleware(ContextMiddleware, verifier=verifier)
    app.add_exception_handler(CrmError, _crm_problem)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _validation_problem)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, _http_problem)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, _unexpected_problem)
    checks = dict(readiness_checks or {})
    if db is not None:
        checks.setdefault("database", lambda: _ping_database(db))

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz", include_in_schema=False)
    def readyz() -> JSONResponse:
        failing = {}
        for name, check in checks.items():
            try:
                check()
            except Exception as exc:  # noqa: BLE001 - any failure means not ready
                failing[name] = str(exc)[:200]
        status = 503 if failing else 200
        return JSONResponse({"ready": not failing, "failing": failing}, status_code=status)

    for router in routers:
        app.include_router(router)
    try:
        from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

        FastAPIInstrumentor.instrument_app(app, excluded_urls="healthz,readyz")
    except ImportError:  # pragma: no cover - the instrumentation is a declared dependency
        log.warning("FastAPI instrumentation missing")
    return app


def _ping_database(db: Database) -> None:
    with db.engine.connect() as connection:
        connection.execute(select(1))


def _database(request: Request) -> Database:
    db = request.app.state.db
    if db is None:
        raise RuntimeError("this app was created without a database")
    return db  # type: ignore[no-any-return]


def _tenant_session(request: Request) -> Iterator[Session]:
    """The request's unit of work: committed once when the endpoint returns without error,
    before the response is sent (`scope="function"`), rolled back otherwise."""
    current_principal()  # tenant data needs a caller: 401 rather than a missing tenant
    with _database(request).tenant_session() as session, session.begin():
        yield session


def _principal() -> Principal:
    return current_principal()


TenantSession = Annotated[Session, Depends(_tenant_session, scope="function")]
CurrentPrincipal = Annotated[Principal, Depends(_principal)]


def Require(permission: str) -> Any:  # noqa: N802 - reads as a type in signatures
    """`_: Annotated[Principal, Require("customers:export")]` in an endpoint's signature."""

    def check() -> Principal:
        principal = current_principal()
        principal.require(permission)
        return principal

    return Depends(check)
