"""`GET /api/v1/search` and `GET /api/v1/search/suggest`."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request

from crm_search.epochs import repository as epochs
from crm_search.indexing.registry import RECORD_TYPES
from crm_search.indexing.store import opensearch_client
from crm_search.search import service
from crm_search.search.access import Reader, reader_for
from crmkit.access import access_client
from crmkit.auth import PrincipalKind
from crmkit.http import CurrentPrincipal

router = APIRouter(prefix="/api/v1/search", tags=["search"])

RESPONSES: dict[int | str, dict[str, Any]] = {
    403: {"description": "Portal principals do not search staff records"},
    503: {"description": "OpenSearch is unavailable (`search_unavailable`)"},
}


def _modules() -> set[str]:
    return {t.module for t in RECORD_TYPES.values()}


def _current_reader(request: Request, principal: CurrentPrincipal) -> Reader:
    """The caller's reader, after dropping the tenant's cached access answers if identity
    changed who sees what since (the epoch `crm_search.epochs` keeps)."""
    if principal.tenant_id is not None and principal.kind is not PrincipalKind.SERVICE:
        with request.app.state.db.platform_session() as session:
            epoch = epochs.current(session, principal.tenant_id)
        access_client().observe_epoch(principal.tenant_id, epoch)
    return reader_for(principal, _modules())


CurrentReader = Annotated[Reader, Depends(_current_reader)]


@router.get("", responses=RESPONSES)
def search(
    reader: CurrentReader,
    q: Annotated[str, Query(min_length=1, max_length=200)],
    types: Annotated[str | None, Query(description="Comma-separated: customer,contact")] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> dict[str, Any]:
    """Records of the caller's tenant and data scope matching `q`, grouped by type, with
    restricted fields masked or hidden (and never highlighted)."""
    names = [t.strip() for t in types.split(",") if t.strip()] if types else None
    return service.search(opensearch_client(), reader, q=q, types=names, limit=limit)


@router.get("/suggest", responses=RESPONSES)
def suggest(
    reader: CurrentReader,
    q: Annotated[str, Query(max_length=100)],
    limit: Annotated[int, Query(ge=1, le=20)] = 8,
) -> dict[str, Any]:
    """Typeahead while the user types: titles of matching records."""
    return service.suggest(opensearch_client(), reader, q=q, limit=limit)
