import uuid
from typing import Annotated

from fastapi import APIRouter, Request

from crm_identity.apikeys import service
from crm_identity.apikeys.schemas import (
    AccessTokenOut,
    ApiKeyCreated,
    ApiKeyExchangeIn,
    ApiKeyIn,
    ApiKeyOut,
)
from crm_identity.auth.service import tenant_is_active
from crm_identity.common.http import StaffWith, database, tenant_of
from crm_identity.keys.service import utcnow
from crm_identity.settings import get_identity_settings
from crmkit.auth import Principal
from crmkit.errors import Unauthenticated
from crmkit.http import TenantSession
from crmkit.pagination import Page
from crmkit.tenancy import tenant_context

router = APIRouter(tags=["api keys"])
ManageKeys = Annotated[Principal, StaffWith("identity:manage_api_keys")]


@router.get("/api/v1/api-keys")
def list_keys(session: TenantSession, _: ManageKeys) -> Page[ApiKeyOut]:
    return Page(items=[ApiKeyOut.model_validate(k) for k in service.list_keys(session)])


@router.post("/api/v1/api-keys", status_code=201, responses={422: {}})
def create_key(body: ApiKeyIn, session: TenantSession, who: ManageKeys) -> ApiKeyCreated:
    key, secret = service.create_key(
        session, actor=who, name=body.name, permissions=body.permissions, tenant_id=tenant_of(who)
    )
    return ApiKeyCreated(**ApiKeyOut.model_validate(key).model_dump(), key=secret)


@router.get("/api/v1/api-keys/{key_id}")
def get_key(key_id: uuid.UUID, session: TenantSession, _: ManageKeys) -> ApiKeyOut:
    return ApiKeyOut.model_validate(service.get_key(session, key_id=key_id))


@router.delete("/api/v1/api-keys/{key_id}", status_code=204)
def revoke_key(key_id: uuid.UUID, session: TenantSession, who: ManageKeys) -> None:
    service.revoke_key(session, actor=who, key_id=key_id, now=utcnow())


@router.post("/api/v1/auth/api-key", responses={401: {}})
def exchange_key(body: ApiKeyExchangeIn, request: Request) -> AccessTokenOut:
    """An integration trades its key for a short-lived access token."""
    db = database(request)
    tenant_id = service.key_tenant(body.api_key)
    if tenant_id is None:
        raise Unauthenticated("not an API key")
    with db.platform_transaction() as session:
        if not tenant_is_active(session, tenant_id=tenant_id):
            raise Unauthenticated("not an API key")
    with tenant_context(tenant_id), db.tenant_transaction() as session:
        issued = service.exchange(
            session,
            tenant_id=tenant_id,
            secret=body.api_key,
            settings=get_identity_settings(),
            now=utcnow(),
        )
    if issued is None:
        raise Unauthenticated("not an API key")
    return AccessTokenOut(access_token=issued.token, expires_in=issued.expires_in)
