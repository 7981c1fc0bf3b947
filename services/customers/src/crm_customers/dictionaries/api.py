from fastapi import APIRouter, Response

from crm_customers.common.http import CurrentCaller, IfMatch, etag
from crm_customers.dictionaries import service
from crm_customers.dictionaries.schemas import (
    DictionaryItemIn,
    DictionaryItemOut,
    DictionaryItemPatch,
    DictionaryKind,
    DictionaryList,
)
from crmkit.http import TenantSession

router = APIRouter(prefix="/api/v1/categories", tags=["dictionaries"])


@router.get("/{kind}", response_model=DictionaryList)
def list_items(
    kind: DictionaryKind, session: TenantSession, caller: CurrentCaller
) -> DictionaryList:
    caller.require("view")
    items = service.list_items(session, kind=kind)
    return DictionaryList(items=[DictionaryItemOut.model_validate(i) for i in items])


@router.post("/{kind}", status_code=201, response_model=DictionaryItemOut)
def add_item(
    kind: DictionaryKind, data: DictionaryItemIn, session: TenantSession, caller: CurrentCaller
) -> DictionaryItemOut:
    return DictionaryItemOut.model_validate(
        service.add_item(session, caller=caller, kind=kind, data=data)
    )


@router.patch("/{kind}/{key}", response_model=DictionaryItemOut)
def update_item(
    kind: DictionaryKind,
    key: str,
    data: DictionaryItemPatch,
    session: TenantSession,
    caller: CurrentCaller,
    version: IfMatch,
    response: Response,
) -> DictionaryItemOut:
    item = service.update_item(
        session, caller=caller, kind=kind, key=key, data=data, expected_version=version
    )
    response.headers.update(etag(item.version))
    return DictionaryItemOut.model_validate(item)
