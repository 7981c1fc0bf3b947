"""`POST /api/v1/search/reindex` and `GET /api/v1/search/reindex/{id}`."""

import uuid
from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from crm_search.reindexing import repository, service
from crm_search.reindexing.tokens import service_token_client
from crm_search.settings import get_search_settings
from crmkit.auth import Principal
from crmkit.errors import NotFound, PermissionDenied
from crmkit.http import Require

router = APIRouter(prefix="/api/v1/search/reindex", tags=["search"])


def _stale_after() -> timedelta:
    return timedelta(seconds=get_search_settings().reindex_stale_seconds)


@router.post(
    "",
    status_code=202,
    responses={
        403: {"description": "Needs `search:reindex`; only users start a re-index"},
        409: {"description": "A re-index of the tenant is already running (`conflict`)"},
    },
)
def start_reindex(
    request: Request, principal: Annotated[Principal, Require("search:reindex")]
) -> JSONResponse:
    """Re-index the caller's tenant from the customers service, in the background: every
    customer and contact document is rewritten (newer versions win over older ones)."""
    if principal.token is None or principal.tenant_id is None:  # verified tokens have both
        raise PermissionDenied("no token to act with")
    settings = get_search_settings()
    db = request.app.state.db
    with db.platform_transaction() as session:
        run = service.start(
            session, principal=principal, stale_after=_stale_after(), now=service.utcnow()
        )
        body = service.view(run, stale_after=_stale_after(), now=service.utcnow())
    service.ReindexJob(
        db=db,
        run_id=run.id,
        tenant_id=principal.tenant_id,
        user_token=principal.token,
        customers_target=settings.customers_grpc_target,
        tokens=service_token_client(),
        heartbeat_seconds=settings.reindex_heartbeat_seconds,
    ).start_thread()
    return JSONResponse(
        {"id": body["id"], "status": body["status"]},
        status_code=202,
        headers={"Location": f"/api/v1/search/reindex/{body['id']}"},
    )


@router.get(
    "/{run_id}",
    responses={
        403: {"description": "Needs `search:reindex`"},
        404: {"description": "No such run in the caller's tenant"},
    },
)
def reindex_status(
    request: Request,
    principal: Annotated[Principal, Require("search:reindex")],
    run_id: uuid.UUID,
) -> dict[str, Any]:
    """`{id, status: running|done|failed|stale, customers, contacts, started_at,
    heartbeat_at, finished_at?, error?}`; `stale`: the process running it stopped."""
    if principal.tenant_id is None:
        raise NotFound("no such re-index")
    with request.app.state.db.platform_session() as session:
        run = repository.of_tenant(session, tenant_id=principal.tenant_id, run_id=run_id)
        if run is None:
            raise NotFound("no such re-index")
        return service.view(run, stale_after=_stale_after(), now=service.utcnow())
