"""A service's gRPC server: its servicers behind tracing and the auth interceptor, plus the
standard health service and reflection."""

import logging
import signal
import threading
from collections.abc import Callable, Sequence
from concurrent import futures
from dataclasses import dataclass
from types import FrameType
from typing import Any

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection
from opentelemetry.instrumentation.grpc import server_interceptor

from crmkit.auth import TokenVerifier
from crmkit.grpc.interceptors import AuthInterceptor

log = logging.getLogger(__name__)

AddServicer = Callable[[Any, grpc.Server], None]
"""A generated `add_<Name>Servicer_to_server` function."""

_SERVER_OPTIONS = [
    # Another process on the same port must be an error, not a silent share of its traffic.
    ("grpc.so_reuseport", 0),
    # Accept the keepalive pings crmkit.grpc.client sends (every 30 s, idle or not).
    ("grpc.keepalive_permit_without_calls", 1),
    ("grpc.http2.min_ping_interval_without_data_ms", 20_000),
]


@dataclass(frozen=True)
class GrpcServer:
    server: grpc.Server
    health: health.HealthServicer
    port: int
    services: tuple[str, ...]

    def start(self) -> None:
        self.server.start()

    def stop(self, *, grace_seconds: float | None = None) -> None:
        """Report NOT_SERVING, then let running calls finish for up to `grace_seconds`."""
        self.health.enter_graceful_shutdown()
        self.server.stop(grace_seconds).wait()


def build_server(
    servicers: Sequence[tuple[AddServicer, object]],
    *,
    port: int,
    verifier: TokenVerifier,
    host: str = "127.0.0.1",
    max_workers: int = 16,
) -> GrpcServer:
    """A server (not started) for `servicers`; `port=0` binds a free port, see `.port`."""
    server = grpc.server(
        futures.ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="grpc"),
        interceptors=[
            server_interceptor(),  # type: ignore[no-untyped-call]
            AuthInterceptor(verifier=verifier),
        ],
        options=_SERVER_OPTIONS,
    )
    registry = _ServiceNames(server)
    for add, servicer in servicers:
        add(servicer, registry)
    services = tuple(registry.names)

    health_servicer = health.HealthServicer()
    for name in (*services, health.OVERALL_HEALTH):
        health_servicer.set(name, health_pb2.HealthCheckResponse.SERVING)
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    reflection.enable_server_reflection(
        (*services, health.SERVICE_NAME, reflection.SERVICE_NAME), server
    )

    address = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    bound = server.add_insecure_port(address)
    return GrpcServer(server=server, health=health_servicer, port=bound, services=services)


def serve_forever(server: GrpcServer, *, grace_seconds: float = 10.0) -> None:
    """Serve until SIGTERM or SIGINT, then stop gracefully. Call from the main thread."""
    stopping = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        log.info("signal %s: stopping the gRPC server", signal.Signals(signum).name)
        stopping.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        server.start()
        log.info("gRPC server on port %d serving %s", server.port, ", ".join(server.services))
        stopping.wait()
    finally:
        server.stop(grace_seconds=grace_seconds)
        for sig, handler in previous.items():
            signal.signal(sig, handler)


class _ServiceNames:
    """Stands in for the server while generated code registers a servicer, to learn the
    service's full name (health and reflection need it)."""

    def __init__(self, server: grpc.Server) -> None:
        self._server = server
        self.names: dict[str, None] = {}

    def add_generic_rpc_handlers(self, handlers: Sequence[grpc.GenericRpcHandler]) -> None:
        for handler in handlers:
            if hasattr(handler, "service_name"):
                self.names[handler.service_name()] = None
        self._server.add_generic_rpc_handlers(handlers)

    def add_registered_method_handlers(self, service: str, handlers: dict[str, Any]) -> None:
        self.names[service] = None
        self._server.add_registered_method_handlers(service, handlers)
