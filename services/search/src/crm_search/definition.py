"""How the search service runs: its ports, migrations, routes and event handlers."""

import logging
import time
from pathlib import Path

from fastapi import APIRouter

from crm_search.epochs.events import handlers as access_epoch_handlers
from crm_search.indexing.events import TRANSIENT_ERRORS, handlers
from crmkit.migrations import MigrationStreams
from crmkit.service import ServiceDefinition
from crmkit.settings import Settings

log = logging.getLogger(__name__)


def routers() -> list[APIRouter]:
    from crm_search.reindexing.api import router as reindex
    from crm_search.reports.api import router as reports
    from crm_search.search.api import router as search

    return [search, reports, reindex]


def setup_indices(settings: Settings) -> None:
    """Indices and aliases exist (idempotent): run by `migrate` and before the consumer,
    which waits for OpenSearch rather than failing (its events wait in the queue)."""
    from crm_search.indexing.store import UNAVAILABLE_ERRORS, ensure_indices, opensearch_client

    delay = 1.0
    while True:
        try:
            ensure_indices(opensearch_client(settings.opensearch_url))
            return
        except UNAVAILABLE_ERRORS as exc:
            log.warning("OpenSearch unavailable (%s); retrying in %.0fs", exc, delay)
            time.sleep(delay)
            delay = min(delay * 2, 30.0)


def _ping_opensearch() -> None:
    from crm_search.indexing.store import opensearch_client

    if not opensearch_client().ping():
        raise RuntimeError("OpenSearch does not answer")


DEFINITION = ServiceDefinition(
    name="search",
    streams=MigrationStreams(root=Path(__file__).resolve().parents[2] / "migrations"),
    http_port=8106,
    grpc_port=9106,
    routers=routers,
    event_handlers=lambda _db: handlers() + access_epoch_handlers(),
    transient_errors=TRANSIENT_ERRORS,
    setup=setup_indices,
    extra_readiness={"opensearch": _ping_opensearch},
)
