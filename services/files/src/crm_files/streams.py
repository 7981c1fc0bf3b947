"""The files service's migration streams (platform and tenant), beside `src/`."""

from pathlib import Path

from crmkit.migrations import MigrationStreams

STREAMS = MigrationStreams(root=Path(__file__).resolve().parents[2] / "migrations")
