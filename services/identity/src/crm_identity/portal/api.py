import uuid
from typing import Annotated

from fastapi import APIRouter, Header, Request

from crm_identity.auth.api import resolve_slug, sign_in
from crm_identity.auth.schemas import TokenOut
from crm_identity.common.http import ExpectedVersion, StaffWith, client_ip, database
from crm_identity.keys.service import utcnow
from crm_identity.portal import service
from crm_identity.portal.schemas import (
    PortalAccountIn,
    PortalAccountOut,
    PortalAccountPatch,
    PortalLoginIn,
)
from crmkit.auth import Principal, PrincipalKind
from crmkit.errors import PermissionDenied
from crmkit.http import CurrentPrincipal, TenantSession
from crmkit.pagination import Page

router = APIRouter(tags=["portal"])
ManagePortal = Annotated[Principal, StaffWith("identity:manage_portal")]


@router.get("/api/v1/portal-accounts")
def list_accounts(session: TenantSession, _: ManagePortal) -> Page[PortalAccountOut]:
    return Page(items=[PortalAccountOut.model_validate(a) for a in service.list_accounts(session)])


@router.post("/api/v1/portal-accounts", status_code=201, responses={409: {}, 422: {}})
def create_account(
    body: PortalAccountIn, session: TenantSession, who: ManagePortal
) -> PortalAccountOut:
    account = service.create_account(session, actor=who, **body.model_dump())
    return PortalAccountOut.model_validate(account)


@router.get("/api/v1/portal-accounts/{account_id}")
def get_account(account_id: uuid.UUID, session: TenantSession, _: ManagePortal) -> PortalAccountOut:
    return PortalAccountOut.model_validate(service.get_account(session, account_id=account_id))


@router.patch("/api/v1/portal-accounts/{account_id}", responses={412: {}})
def update_account(
    account_id: uuid.UUID,
    body: PortalAccountPatch,
    session: TenantSession,
    who: ManagePortal,
    version: ExpectedVersion,
) -> PortalAccountOut:
    account = service.update_account(
        session,
        actor=who,
        account_id=account_id,
        changes=body.model_dump(exclude_unset=True),
        expected_version=version,
        now=utcnow(),
    )
    return PortalAccountOut.model_validate(account)


@router.post("/api/v1/portal/auth/login", responses={401: {}, 429: {}})
def portal_login(
    body: PortalLoginIn,
    request: Request,
    x_crm_tenant_slug: Annotated[str | None, Header()] = None,
) -> TokenOut:
    """Portal sign-in; refresh and logout are the staff routes' (`/api/v1/auth/...`)."""
    return sign_in(
        database(request),
        slug=resolve_slug(body.tenant, x_crm_tenant_slug),
        email=body.email,
        password=body.password,
        kind=PrincipalKind.PORTAL,
        ip=client_ip(request),
    )


@router.get("/api/v1/portal/me")
def portal_me(session: TenantSession, principal: CurrentPrincipal) -> PortalAccountOut:
    if principal.kind is not PrincipalKind.PORTAL:
        raise PermissionDenied("this route is for portal accounts")
    account = service.get_account(session, account_id=uuid.UUID(principal.subject))
    return PortalAccountOut.model_validate(account)


@router.delete("/api/v1/portal-accounts/{account_id}", status_code=204)
def disable_account(account_id: uuid.UUID, session: TenantSession, who: ManagePortal) -> None:
    """Portal accounts are never erased: this disables the account and ends its sessions."""
    service.update_account(
        session,
        actor=who,
        account_id=account_id,
        changes={"status": "disabled"},
        expected_version=None,
        now=utcnow(),
    )
