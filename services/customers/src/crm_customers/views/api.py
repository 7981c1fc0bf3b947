import uuid

from fastapi import APIRouter, Response

from crm_customers.common.http import CurrentCaller, IfMatch, etag
from crm_customers.views import service
from crm_customers.views.schemas import ViewIn, ViewList, ViewOut, ViewPatch
from crmkit.http import TenantSession

router = APIRouter(prefix="/api/v1/customers/views", tags=["saved views"])


@router.get("", response_model=ViewList)
def list_views(session: TenantSession, caller: CurrentCaller) -> ViewList:
    """The caller's views and those shared with the caller's department."""
    views = service.list_views(session, caller=caller)
    return ViewList(items=[ViewOut.model_validate(v) for v in views])


@router.post("", status_code=201, response_model=ViewOut)
def create_view(data: ViewIn, session: TenantSession, caller: CurrentCaller) -> ViewOut:
    return ViewOut.model_validate(service.create_view(session, caller=caller, data=data))


@router.patch("/{view_id}", response_model=ViewOut)
def update_view(
    view_id: uuid.UUID,
    data: ViewPatch,
    session: TenantSession,
    caller: CurrentCaller,
    version: IfMatch,
    response: Response,
) -> ViewOut:
    view = service.update_view(
        session, caller=caller, view_id=view_id, data=data, expected_version=version
    )
    response.headers.update(etag(view.version))
    return ViewOut.model_validate(view)


@router.delete("/{view_id}", status_code=204)
def delete_view(view_id: uuid.UUID, session: TenantSession, caller: CurrentCaller) -> None:
    service.delete_view(session, caller=caller, view_id=view_id)
