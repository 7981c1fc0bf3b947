"""The server interceptor: who is calling, for which tenant, and what a failure looks like.

The tenant comes only from the verified token; request fields and plain metadata are never
trusted for it. Health and reflection stay open so probes and tooling need no token.
"""

import contextvars
import json
import logging
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any, NoReturn, TypeVar

import grpc

from crmkit.auth import Principal, TokenVerifier, bearer_token, principal_context
from crmkit.errors import CrmError, Unauthenticated
from crmkit.tenancy import tenant_context

log = logging.getLogger(__name__)

PROBLEM_METADATA_KEY = "crm-problem-bin"
"""Trailing metadata carrying the error's problem JSON (the RFC 9457 body), UTF-8."""

PUBLIC_SERVICES = frozenset(
    {
        "grpc.health.v1.Health",
        "grpc.reflection.v1.ServerReflection",
        "grpc.reflection.v1alpha.ServerReflection",
    }
)

# grpc reports a call without a deadline as ~1e19 seconds left.
_NO_DEADLINE_BEYOND = 365 * 24 * 3600.0

_call_deadline: contextvars.ContextVar[float | None] = contextvars.ContextVar(
    "crm_grpc_call_deadline", default=None
)

T = TypeVar("T")
Behavior = Callable[[Any, grpc.ServicerContext], Any]


def remaining_call_seconds() -> float | None:
    """Seconds left before the deadline of the incoming call being served, if it has one."""
    deadline = _call_deadline.get()
    return None if deadline is None else deadline - time.monotonic()


class AuthInterceptor(grpc.ServerInterceptor):  # type: ignore[misc]
    def __init__(
        self, *, verifier: TokenVerifier, public_services: frozenset[str] = PUBLIC_SERVICES
    ) -> None:
        self._verifier = verifier
        self._public_services = public_services

    def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], grpc.RpcMethodHandler | None],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler | None:
        handler = continuation(handler_call_details)
        service = handler_call_details.method.lstrip("/").partition("/")[0]
        if handler is None or service in self._public_services:
            return handler
        guard = _Guard(
            self._verifier,
            method=handler_call_details.method,
            metadata=handler_call_details.invocation_metadata or (),
        )
        return _wrap_handler(
            handler, one_response=guard.one_response, response_stream=guard.response_stream
        )


class _Guard:
    def __init__(self, verifier: TokenVerifier, *, method: str, metadata: Sequence[Any]) -> None:
        self._verifier = verifier
        self._method = method
        self._metadata = metadata

    def one_response(self, behavior: Behavior) -> Behavior:
        def handle(request: Any, context: grpc.ServicerContext) -> Any:
            try:
                scope = self._open(context)
                return scope.run(behavior, request, context)
            except Exception as exc:
                _abort_for(exc, context, method=self._method)

        return handle

    def response_stream(self, behavior: Behavior) -> Behavior:
        def handle(request: Any, context: grpc.ServicerContext) -> Iterator[Any]:
            scope: _CallScope | None = None
            responses: Iterator[Any] | None = None
            try:
                scope = self._open(context)
                responses = scope.run(behavior, request, context)
                while True:
                    try:
                        response = scope.run(next, responses)
                    except StopIteration:
                        return
                    yield response
            except Exception as exc:
                _abort_for(exc, context, method=self._method)
            finally:
                # Closed early (the client went away): the handler's own cleanup still
                # runs for its tenant.
                close = getattr(responses, "close", None)
                if scope is not None and close is not None:
                    scope.run(close)

        return handle

    def _open(self, context: grpc.ServicerContext) -> "_CallScope":
        remaining = context.time_remaining()
        if remaining is not None and remaining <= 0:
            context.abort(grpc.StatusCode.DEADLINE_EXCEEDED, "deadline exceeded before the call")
        principal = self._verifier.verify(_token(self._metadata))
        deadline = None
        if remaining is not None and remaining < _NO_DEADLINE_BEYOND:
            deadline = time.monotonic() + remaining
        return _CallScope(principal, deadline)


class _CallScope:
    """The call's principal, tenant and deadline, set around every step of its handler.

    Steps run in a Context of the call's own, so what the handler keeps in context
    variables survives between the steps of a streaming generator, whichever thread runs
    them, and never leaks into the server's threads.
    """

    def __init__(self, principal: Principal, deadline: float | None) -> None:
        self._principal = principal
        self._deadline = deadline
        self._context = contextvars.copy_context()

    def run(self, fn: Callable[..., T], *args: Any) -> T:
        return self._context.run(self._step, fn, *args)

    def _step(self, fn: Callable[..., T], *args: Any) -> T:
        deadline_token = _call_deadline.set(self._deadline)
        try:
            with principal_context(self._principal), tenant_context(self._principal.tenant_id):
                return fn(*args)
        finally:
            _call_deadline.reset(deadline_token)


def _token(metadata: Sequence[Any]) -> str:
    values = [m.value for m in metadata if m.key == "authorization"]
    token = bearer_token(values[0]) if len(values) == 1 and isinstance(values[0], str) else None
    if token is None:
        raise Unauthenticated("one 'authorization: Bearer <token>' metadata entry is required")
    return token


def _abort_for(exc: Exception, context: grpc.ServicerContext, *, method: str) -> NoReturn:
    if _aborted_by_handler(exc, context):
        raise exc
    if isinstance(exc, CrmError) and exc.grpc_status is not grpc.StatusCode.INTERNAL:
        problem = json.dumps(exc.problem(), ensure_ascii=False, sort_keys=True)
        context.set_trailing_metadata(((PROBLEM_METADATA_KEY, problem.encode()),))
        context.abort(exc.grpc_status, exc.detail)
    # Unexpected: the caller learns nothing of it but the status; the log keeps the rest.
    log.error("unexpected error in %s", method, exc_info=exc)
    context.abort(grpc.StatusCode.INTERNAL, "internal error")
    raise AssertionError("unreachable: context.abort raises")


def _aborted_by_handler(exc: Exception, context: grpc.ServicerContext) -> bool:
    # ServicerContext.abort records the status, then raises a bare Exception.
    return type(exc) is Exception and not exc.args and context.code() is not None


def _wrap_handler(
    handler: grpc.RpcMethodHandler,
    *,
    one_response: Callable[[Behavior], Behavior],
    response_stream: Callable[[Behavior], Behavior],
) -> grpc.RpcMethodHandler:
    codec = {
        "request_deserializer": handler.request_deserializer,
        "response_serializer": handler.response_serializer,
    }
    if handler.unary_unary:
        return grpc.unary_unary_rpc_method_handler(one_response(handler.unary_unary), **codec)
    if handler.stream_unary:
        return grpc.stream_unary_rpc_method_handler(one_response(handler.stream_unary), **codec)
    if handler.unary_stream:
        return grpc.unary_stream_rpc_method_handler(response_stream(handler.unary_stream), **codec)
    return grpc.stream_stream_rpc_method_handler(response_stream(handler.stream_stream), **codec)
