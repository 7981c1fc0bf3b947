import uuid

from fastapi import APIRouter, Response

from crm_customers.common.http import CurrentCaller, IfMatch, etag
from crm_customers.custom_fields import service
from crm_customers.custom_fields.schemas import (
    CustomFieldIn,
    CustomFieldList,
    CustomFieldOut,
    CustomFieldPatch,
    Entity,
)
from crmkit.http import TenantSession

router = APIRouter(prefix="/api/v1/custom-fields", tags=["custom fields"])


@router.get("", response_model=CustomFieldList)
def list_fields(
    session: TenantSession,
    caller: CurrentCaller,
    entity: Entity | None = None,
    include_removed: bool = False,
) -> CustomFieldList:
    caller.require("view")
    if include_removed:
        caller.require("manage_settings")
    fields = service.list_fields(session, entity=entity, include_removed=include_removed)
    return CustomFieldList(items=[CustomFieldOut.model_validate(f) for f in fields])


@router.post("", status_code=201, response_model=CustomFieldOut)
def define_field(
    data: CustomFieldIn, session: TenantSession, caller: CurrentCaller
) -> CustomFieldOut:
    return CustomFieldOut.model_validate(service.define_field(session, caller=caller, data=data))


@router.patch("/{field_id}", response_model=CustomFieldOut)
def update_field(
    field_id: uuid.UUID,
    data: CustomFieldPatch,
    session: TenantSession,
    caller: CurrentCaller,
    version: IfMatch,
    response: Response,
) -> CustomFieldOut:
    field = service.update_field(
        session, caller=caller, field_id=field_id, data=data, expected_version=version
    )
    response.headers.update(etag(field.version))
    return CustomFieldOut.model_validate(field)


@router.delete("/{field_id}", response_model=CustomFieldOut)
def remove_field(
    field_id: uuid.UUID, session: TenantSession, caller: CurrentCaller
) -> CustomFieldOut:
    """Hides the field and its values; they stay in the records until purged."""
    return CustomFieldOut.model_validate(
        service.remove_field(session, caller=caller, field_id=field_id)
    )


@router.post("/{field_id}/purge", status_code=204)
def purge_field(field_id: uuid.UUID, session: TenantSession, caller: CurrentCaller) -> None:
    service.purge_field(session, caller=caller, field_id=field_id)
