import uuid
from typing import Annotated

from fastapi import APIRouter, Request
from sqlalchemy.exc import IntegrityError

from crm_identity.common.http import ExpectedVersion, StaffWith, database, tenant_of
from crm_identity.db import new_tenant_transaction
from crm_identity.keys.service import utcnow
from crm_identity.settings import get_identity_settings
from crm_identity.streams import STREAMS
from crm_identity.tenants import service
from crm_identity.tenants.schemas import (
    SignUpIn,
    SignUpOut,
    SignUpStatusOut,
    TenantOut,
    TenantSettingsIn,
)
from crmkit.auth import Principal, PrincipalKind, current_principal
from crmkit.errors import Conflict, PermissionDenied
from crmkit.http import TenantSession

router = APIRouter(tags=["tenants"])


@router.post("/api/v1/signup", status_code=202, responses={409: {}, 422: {}})
def sign_up(body: SignUpIn, request: Request) -> SignUpOut:
    """Creates the tenant and its first admin; the other services provision it next
    (poll `GET /api/v1/signup/{slug}`)."""
    db = database(request)
    tenant_id = uuid.uuid4()
    try:
        with new_tenant_transaction(db, tenant_id) as session:
            tenant = service.sign_up(
                session,
                tenant_id=tenant_id,
                form=service.SignUp(**body.model_dump()),
                streams=STREAMS,
                settings=get_identity_settings(),
                now=utcnow(),
            )
    except IntegrityError as exc:  # two sign-ups racing for one slug
        raise Conflict("this slug is taken") from exc
    return SignUpOut(tenant_id=tenant.id, slug=tenant.slug, status=tenant.status)


@router.get("/api/v1/signup/{slug}")
def sign_up_status(slug: str, request: Request) -> SignUpStatusOut:
    with database(request).platform_transaction() as session:
        tenant, steps = service.status_of(session, slug=slug)
    return SignUpStatusOut(
        slug=tenant.slug,
        status=tenant.status,
        services={step.service: step.state for step in steps},
        reasons={step.service: step.reason for step in steps if step.reason},
    )


@router.post("/api/v1/signup/{slug}/retry", status_code=202, responses={409: {}})
def retry_provisioning(slug: str, request: Request) -> SignUpOut:
    with database(request).platform_transaction() as session:
        tenant = service.retry(session, slug=slug, settings=get_identity_settings(), now=utcnow())
    return SignUpOut(tenant_id=tenant.id, slug=tenant.slug, status=tenant.status)


@router.get("/api/v1/tenant")
def get_tenant_settings(session: TenantSession) -> TenantOut:
    tenant_id = tenant_of(current_principal())
    return TenantOut.model_validate(service.get_tenant(session, tenant_id=tenant_id))


@router.patch("/api/v1/tenant")
def update_tenant_settings(
    body: TenantSettingsIn,
    session: TenantSession,
    who: Annotated[Principal, StaffWith("identity:manage_tenant")],
    version: ExpectedVersion,
) -> TenantOut:
    tenant = service.update_settings(
        session,
        tenant_id=tenant_of(who),
        changes=body.model_dump(exclude_unset=True),
        expected_version=version,
    )
    return TenantOut.model_validate(tenant)


def _operator() -> Principal:
    principal = current_principal()
    if principal.kind is not PrincipalKind.SERVICE:
        raise PermissionDenied("only the platform's operators suspend tenants")
    principal.require("platform:manage_tenants")
    return principal


@router.post("/api/v1/platform/tenants/{tenant_id}/suspend")
def suspend_tenant(tenant_id: uuid.UUID, request: Request) -> TenantOut:
    _operator()
    db = database(request)
    with db.platform_transaction() as session:
        tenant = service.suspend(session, tenant_id=tenant_id)
    db.forget_tenant(tenant_id)
    return TenantOut.model_validate(tenant)


@router.post("/api/v1/platform/tenants/{tenant_id}/activate")
def activate_tenant(tenant_id: uuid.UUID, request: Request) -> TenantOut:
    _operator()
    db = database(request)
    with db.platform_transaction() as session:
        tenant = service.reactivate(session, tenant_id=tenant_id)
    db.forget_tenant(tenant_id)
    return TenantOut.model_validate(tenant)
