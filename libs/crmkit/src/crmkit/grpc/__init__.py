"""gRPC plumbing every service shares: the server (auth, tenant, errors, health,
reflection, tracing) and the client channel (retries, deadlines, token and trace
forwarding, remote errors as local ones)."""

from crmkit.grpc.client import call_errors, error_from_rpc, make_channel
from crmkit.grpc.interceptors import (
    PROBLEM_METADATA_KEY,
    PUBLIC_SERVICES,
    AuthInterceptor,
    remaining_call_seconds,
)
from crmkit.grpc.server import AddServicer, GrpcServer, build_server, serve_forever

__all__ = [
    "PROBLEM_METADATA_KEY",
    "PUBLIC_SERVICES",
    "AddServicer",
    "AuthInterceptor",
    "GrpcServer",
    "build_server",
    "call_errors",
    "error_from_rpc",
    "make_channel",
    "remaining_call_seconds",
    "serve_forever",
]
