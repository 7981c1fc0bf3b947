"""Calling another service: a channel that retries UNAVAILABLE, always sets a deadline,
forwards the caller's token and the trace, and remote domain errors raised as local ones."""

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import grpc
from opentelemetry.instrumentation.grpc import client_interceptor
from opentelemetry.instrumentation.grpc.grpcext import intercept_channel

from crmkit.auth import current_principal_or_none
from crmkit.errors import CrmError, FieldError, error_for_grpc_status
from crmkit.grpc.interceptors import PROBLEM_METADATA_KEY, remaining_call_seconds
from crmkit.settings import get_settings

_SERVICE_CONFIG = {
    "methodConfig": [
        {
            "name": [{}],
            "retryPolicy": {
                "maxAttempts": 4,
                "initialBackoff": "0.1s",
                "maxBackoff": "1s",
                "backoffMultiplier": 2,
                "retryableStatusCodes": ["UNAVAILABLE"],
            },
        }
    ]
}

_CHANNEL_OPTIONS = [
    ("grpc.enable_retries", 1),
    ("grpc.service_config", json.dumps(_SERVICE_CONFIG)),
    # Find a dead peer (a pod gone without closing its connections) before the next call
    # does; crmkit.grpc.server accepts pings this often.
    ("grpc.keepalive_time_ms", 30_000),
    ("grpc.keepalive_timeout_ms", 10_000),
    ("grpc.keepalive_permit_without_calls", 1),
    # After an outage, reconnect within seconds rather than grpc's default of up to 2 min.
    ("grpc.max_reconnect_backoff_ms", 5_000),
]


def make_channel(target: str) -> grpc.Channel:
    """A channel to `target` ("host:port"); make one per target and share it.

    Calls without a timeout get `settings.grpc_deadline_seconds`; a long server stream
    (a re-index) must pass its own. Inside a gRPC handler, no call outlives the incoming
    call's deadline.
    """
    channel = grpc.insecure_channel(target, options=_CHANNEL_OPTIONS)
    traced = intercept_channel(channel, client_interceptor())  # type: ignore[no-untyped-call]
    defaults = _CallDefaults(deadline_seconds=get_settings().grpc_deadline_seconds)
    return grpc.intercept_channel(traced, defaults)


@contextmanager
def call_errors() -> Iterator[None]:
    """Raise a failed call as the matching CrmError (NOT_FOUND as NotFound, ...)."""
    try:
        yield
    except grpc.RpcError as exc:
        raise error_from_rpc(exc) from exc


def error_from_rpc(error: grpc.RpcError) -> CrmError:
    if not isinstance(error, grpc.Call):
        return CrmError()
    status, detail = error.code(), error.details() or ""
    problem = _problem(error.trailing_metadata() or ())
    errors = [
        FieldError(field=str(e.get("field")), reason=str(e.get("reason")))
        for e in problem.get("errors", [])
    ]
    return _error_class(status, problem.get("code"))(detail, errors=errors)


def _error_class(status: grpc.StatusCode, code: object) -> type[CrmError]:
    """The most specific known class for the remote `code` (TenantNotReady rather than
    Unavailable), as long as it keeps the status."""
    base = type(error_for_grpc_status(status, ""))
    candidates = [base]
    while candidates:
        cls = candidates.pop()
        if cls.code == code and cls.grpc_status == status:
            return cls
        candidates.extend(cls.__subclasses__())
    return base


def _problem(trailing_metadata: Any) -> dict[str, Any]:
    for key, value in trailing_metadata:
        if key == PROBLEM_METADATA_KEY:
            try:
                problem = json.loads(value)
            except ValueError:
                return {}
            return problem if isinstance(problem, dict) else {}
    return {}


@dataclass(frozen=True)
class _CallDetails(grpc.ClientCallDetails):  # type: ignore[misc]
    method: str
    timeout: float | None
    metadata: tuple[tuple[str, str | bytes], ...]
    credentials: Any
    wait_for_ready: bool | None
    compression: Any


class _CallDefaults(
    grpc.UnaryUnaryClientInterceptor,  # type: ignore[misc]
    grpc.UnaryStreamClientInterceptor,  # type: ignore[misc]
    grpc.StreamUnaryClientInterceptor,  # type: ignore[misc]
    grpc.StreamStreamClientInterceptor,  # type: ignore[misc]
):
    def __init__(self, *, deadline_seconds: float) -> None:
        self._deadline_seconds = deadline_seconds

    def _intercept(self, continuation: Any, details: grpc.ClientCallDetails, request: Any) -> Any:
        return continuation(self._with_defaults(details), request)

    intercept_unary_unary = intercept_unary_stream = _intercept
    intercept_stream_unary = intercept_stream_stream = _intercept

    def _with_defaults(self, details: grpc.ClientCallDetails) -> _CallDetails:
        timeout = self._deadline_seconds if details.timeout is None else details.timeout
        remaining = remaining_call_seconds()
        if remaining is not None:
            timeout = max(min(timeout, remaining), 0.0)
        metadata = tuple(details.metadata or ())
        principal = current_principal_or_none()
        has_auth = any(key.lower() == "authorization" for key, _ in metadata)
        if not has_auth and principal is not None and principal.token:
            metadata += (("authorization", f"Bearer {principal.token}"),)
        return _CallDetails(
            method=details.method,
            timeout=timeout,
            metadata=metadata,
            credentials=details.credentials,
            wait_for_ready=details.wait_for_ready,
            compression=details.compression,
        )
