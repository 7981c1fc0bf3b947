"""How the files service runs: its ports, migrations, routes, gRPC servicers and handlers."""

from fastapi import APIRouter

from crm_files.files.events import handlers
from crm_files.streams import STREAMS
from crmkit.service import ServiceDefinition


def routers() -> list[APIRouter]:
    from crm_files.files.api import router as files

    return [files]


def _bucket_ready() -> None:
    from crm_files.storage import storage

    storage().ensure_bucket()


DEFINITION = ServiceDefinition(
    name="files",
    streams=STREAMS,
    http_port=8105,
    grpc_port=9105,
    routers=routers,
    event_handlers=lambda _db: handlers(),
    jobs_module="crm_files.jobs",
    # Readiness creates the bucket if it is missing (`migrate` creates it too).
    extra_readiness={"bucket": _bucket_ready},
)
