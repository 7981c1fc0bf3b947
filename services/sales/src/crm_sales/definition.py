"""How the sales service runs: its ports, migrations, routes, gRPC servicers and handlers."""

from pathlib import Path

from crmkit.migrations import MigrationStreams
from crmkit.service import ServiceDefinition

DEFINITION = ServiceDefinition(
    name="sales",
    streams=MigrationStreams(root=Path(__file__).resolve().parents[2] / "migrations"),
    http_port=8103,
    grpc_port=9103,
)
