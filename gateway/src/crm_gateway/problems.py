"""The gateway's own refusals, rendered as problem+json like every service's errors."""

from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from crmkit.errors import CrmError, DeadlineExceeded, PermissionDenied, Unauthenticated, Unavailable
from crmkit.http import PROBLEM_JSON


class GatewayUnauthenticated(Unauthenticated):
    headers = {"WWW-Authenticate": "Bearer"}


class TenantMismatch(PermissionDenied):
    code, title = "tenant_mismatch", "Token belongs to another tenant"


class WrongAudienceKind(PermissionDenied):
    code, title = "principal_kind_not_allowed", "Route not open to this kind of principal"


class RouteNotFound(CrmError):
    code, title, http_status = "route_not_found", "No such API resource", 404


class RateLimited(CrmError):
    code, title, http_status = "rate_limited", "Too many requests", 429

    def __init__(self, detail: str, *, retry_after: str) -> None:
        super().__init__(detail)
        self.headers = {"Retry-After": retry_after}


class PayloadTooLarge(CrmError):
    code, title, http_status = "payload_too_large", "Request body too large", 413


class UpstreamUnavailable(Unavailable):
    code, title, http_status = "upstream_unavailable", "Upstream service unavailable", 503


class UpstreamTimeout(DeadlineExceeded):
    pass


def problem(error: CrmError, *, instance: str | None) -> JSONResponse:
    headers: dict[str, str] = getattr(error, "headers", None) or {}
    return JSONResponse(
        error.problem(instance=instance),
        status_code=error.http_status,
        media_type=PROBLEM_JSON,
        headers=headers,
    )


def crm_problem(request: Request, exc: Exception) -> JSONResponse:
    error = exc if isinstance(exc, CrmError) else CrmError("an unexpected error occurred")
    return problem(error, instance=request.url.path)


def http_problem(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)  # noqa: S101 - registered for this type
    body: dict[str, Any] = CrmError(str(exc.detail)).problem(instance=request.url.path)
    body.update(status=exc.status_code, title=str(exc.detail), code=f"http_{exc.status_code}")
    return JSONResponse(
        body, status_code=exc.status_code, media_type=PROBLEM_JSON, headers=exc.headers
    )
