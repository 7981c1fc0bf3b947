"""How the files service runs: its ports, migrations, routes, gRPC servicers and handlers."""

from pathlib import Path

from crmkit.migrations import MigrationStreams
from crmkit.service import ServiceDefinition

DEFINITION = ServiceDefinition(
    name="files",
    streams=MigrationStreams(root=Path(__file__).resolve().parents[2] / "migrations"),
    http_port=8105,
    grpc_port=9105,
)
