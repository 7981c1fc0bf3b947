"""One error base with a stable `code`, an HTTP status and a gRPC status.

HTTP renders these as RFC 9457 problem+json (`crmkit.http`); gRPC aborts with the status
and the problem as JSON in the details (`crmkit.grpc`).
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import grpc


@dataclass(frozen=True)
class FieldError:
    """`reason` is English for people reading the API; `code` and `params` let a client say
    the same in the user's language (`too_long` with `{"max_length": 300}`)."""

    field: str
    reason: str
    code: str | None = None
    params: dict[str, Any] | None = None

    @classmethod
    def from_pydantic(cls, field: str, error: Mapping[str, Any]) -> "FieldError":
        """A Pydantic validation error: its message, its type as the code (`missing`,
        `string_too_long`) and the numbers of its context (`max_length`) as params."""
        context = {
            key: value if isinstance(value, (int, float, str, bool)) else str(value)
            for key, value in (error.get("ctx") or {}).items()
            if key != "error"
        }
        message = str(error.get("msg", "invalid")).removeprefix("Value error, ")
        code = str(error["type"]) if error.get("type") else None
        return cls(field, message, code, context or None)

    def as_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"field": self.field, "reason": self.reason}
        if self.code:
            body["code"] = self.code
        if self.params:
            body["params"] = self.params
        return body


class CrmError(Exception):
    code: ClassVar[str] = "internal_error"
    title: ClassVar[str] = "Internal error"
    http_status: ClassVar[int] = 500
    grpc_status: ClassVar[grpc.StatusCode] = grpc.StatusCode.INTERNAL

    def __init__(
        self, detail: str | None = None, *, errors: list[FieldError] | None = None, **extra: Any
    ) -> None:
        self.detail = detail or self.title
        self.errors = errors or []
        self.extra = extra
        super().__init__(self.detail)

    def problem(self, instance: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {
            "type": f"https://errors.crm.dev/{self.code}",
            "title": self.title,
            "status": self.http_status,
            "code": self.code,
            "detail": self.detail,
        }
        if instance:
            body["instance"] = instance
        if self.errors:
            body["errors"] = [e.as_dict() for e in self.errors]
        body.update(self.extra)
        return body


class NotFound(CrmError):
    code, title, http_status, grpc_status = (
        "not_found",
        "Not found",
        404,
        grpc.StatusCode.NOT_FOUND,
    )


class TenantNotFound(NotFound):
    code, title = "tenant_not_found", "Tenant not found"


class Unauthenticated(CrmError):
    code, title, http_status, grpc_status = (
        "unauthenticated",
        "Authentication required",
        401,
        grpc.StatusCode.UNAUTHENTICATED,
    )


class PermissionDenied(CrmError):
    code, title, http_status, grpc_status = (
        "permission_denied",
        "Permission denied",
        403,
        grpc.StatusCode.PERMISSION_DENIED,
    )


class InvalidInput(CrmError):
    code, title, http_status, grpc_status = (
        "invalid_input",
        "Invalid input",
        422,
        grpc.StatusCode.INVALID_ARGUMENT,
    )

    @classmethod
    def on_field(
        cls, field_name: str, reason: str, *, code: str | None = None, **params: Any
    ) -> "InvalidInput":
        error = FieldError(field_name, reason, code, params or None)
        return cls(f"{field_name}: {reason}", errors=[error])


class Conflict(CrmError):
    code, title, http_status, grpc_status = (
        "conflict",
        "Conflict",
        409,
        grpc.StatusCode.ALREADY_EXISTS,
    )


class PreconditionFailed(CrmError):
    code, title, http_status, grpc_status = (
        "precondition_failed",
        "Precondition failed",
        412,
        grpc.StatusCode.FAILED_PRECONDITION,
    )


class Unavailable(CrmError):
    code, title, http_status, grpc_status = (
        "unavailable",
        "Service unavailable",
        503,
        grpc.StatusCode.UNAVAILABLE,
    )


class DeadlineExceeded(CrmError):
    """A call to another service did not answer in time."""

    code, title, http_status, grpc_status = (
        "deadline_exceeded",
        "Upstream timed out",
        504,
        grpc.StatusCode.DEADLINE_EXCEEDED,
    )


class TenantNotReady(Unavailable):
    """The tenant's schema is missing or older than this code needs (provisioning, migration)."""

    code, title = "tenant_not_ready", "Tenant not ready"


class NoTenantError(CrmError):
    """A programming error: tenant data touched with no tenant set. Never a user's fault."""

    code, title = "no_tenant", "No tenant in context"

    def __init__(self, detail: str | None = None) -> None:
        super().__init__(detail or "tenant data was touched with no tenant set")


_BY_GRPC_STATUS: dict[grpc.StatusCode, type[CrmError]] = {
    grpc.StatusCode.NOT_FOUND: NotFound,
    grpc.StatusCode.UNAUTHENTICATED: Unauthenticated,
    grpc.StatusCode.PERMISSION_DENIED: PermissionDenied,
    grpc.StatusCode.INVALID_ARGUMENT: InvalidInput,
    grpc.StatusCode.ALREADY_EXISTS: Conflict,
    grpc.StatusCode.FAILED_PRECONDITION: PreconditionFailed,
    grpc.StatusCode.UNAVAILABLE: Unavailable,
    grpc.StatusCode.DEADLINE_EXCEEDED: DeadlineExceeded,
}


def error_for_grpc_status(status: grpc.StatusCode, detail: str) -> CrmError:
    """The local error a caller raises when a remote call failed with `status`."""
    return _BY_GRPC_STATUS.get(status, CrmError)(detail)


__all__ = [
    "Conflict",
    "CrmError",
    "DeadlineExceeded",
    "FieldError",
    "InvalidInput",
    "NoTenantError",
    "NotFound",
    "PermissionDenied",
    "PreconditionFailed",
    "TenantNotFound",
    "TenantNotReady",
    "Unauthenticated",
    "Unavailable",
    "error_for_grpc_status",
]
