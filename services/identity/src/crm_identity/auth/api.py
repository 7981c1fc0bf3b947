import uuid
from typing import Annotated

from fastapi import APIRouter, Header, Request

from crm_identity.access.service import user_grants
from crm_identity.auth import service, throttle
from crm_identity.auth.schemas import LoginIn, MeOut, RefreshIn, TokenOut
from crm_identity.auth.service import TokenPair
from crm_identity.common.http import client_ip, database
from crm_identity.keys.service import utcnow
from crm_identity.roles import repository as roles
from crm_identity.roles.schemas import RoleOut
from crm_identity.settings import get_identity_settings
from crm_identity.tenants import service as tenants
from crm_identity.tenants.schemas import TenantOut
from crm_identity.users import service as users
from crm_identity.users.schemas import PasswordChange, UserOut
from crmkit.auth import PrincipalKind, current_principal
from crmkit.db import Database
from crmkit.errors import InvalidInput, PermissionDenied, Unauthenticated
from crmkit.http import CurrentPrincipal, TenantSession
from crmkit.tenancy import tenant_context

router = APIRouter(tags=["auth"])

WRONG_CREDENTIALS = "wrong tenant, email or password"


def _token_out(tokens: TokenPair) -> TokenOut:
    return TokenOut(
        access_token=tokens.access_token,
        refresh_token=tokens.refresh_token,
        expires_in=tokens.expires_in,
    )


def sign_in(
    db: Database, *, slug: str, email: str, password: str, kind: PrincipalKind, ip: str
) -> TokenOut:
    """The login edge: throttle first, then the tenant's accounts; a failure is counted in
    its own transaction, so it stays counted although the caller gets a 401."""
    settings = get_identity_settings()
    now = utcnow()
    account_key, address_key = throttle.account_key(slug, email), throttle.address_key(ip)
    with db.platform_transaction() as session:
        throttle.check(session, keys=[account_key, address_key], now=now)
        tenant_id = service.active_tenant_id(session, slug=slug)
    tokens = None
    if tenant_id is not None:
        with tenant_context(tenant_id), db.tenant_transaction() as session:
            result = service.login(
                session,
                tenant_id=tenant_id,
                email=email,
                password=password,
                kind=kind,
                ip=ip,
                settings=settings,
                now=now,
            )
            tokens = result.tokens
    with db.platform_transaction() as session:
        if tokens is None:
            throttle.count_failure(
                session, account=account_key, address=address_key, settings=settings, now=now
            )
        else:
            throttle.forget_account(session, account=account_key)
    if tokens is None:
        raise Unauthenticated(WRONG_CREDENTIALS)
    return _token_out(tokens)


def resolve_slug(body_tenant: str | None, header_slug: str | None) -> str:
    slug = (body_tenant or header_slug or "").strip().lower()
    if not slug:
        raise InvalidInput.on_field("tenant", "the tenant's slug is required")
    return slug


@router.post("/api/v1/auth/login", responses={401: {}, 429: {}})
def login(
    body: LoginIn,
    request: Request,
    x_crm_tenant_slug: Annotated[str | None, Header()] = None,
) -> TokenOut:
    return sign_in(
        database(request),
        slug=resolve_slug(body.tenant, x_crm_tenant_slug),
        email=body.email,
        password=body.password,
        kind=PrincipalKind.USER,
        ip=client_ip(request),
    )


@router.post("/api/v1/auth/refresh", responses={401: {}})
def refresh(body: RefreshIn, request: Request) -> TokenOut:
    db = database(request)
    tenant_id = service.refresh_tenant(body.refresh_token)
    if tenant_id is None:
        raise Unauthenticated("not a refresh token")
    with db.platform_transaction() as session:
        active = service.tenant_is_active(session, tenant_id=tenant_id)
    if not active:
        raise Unauthenticated("not a refresh token")
    with tenant_context(tenant_id), db.tenant_transaction() as session:
        result = service.refresh(
            session,
            tenant_id=tenant_id,
            refresh_token=body.refresh_token,
            ip=client_ip(request),
            settings=get_identity_settings(),
            now=utcnow(),
        )
    if result.tokens is None:
        detail = "refresh token reused: the session has ended" if result.reuse_detected else None
        raise Unauthenticated(detail or "refresh token is not valid")
    return _token_out(result.tokens)


@router.post("/api/v1/auth/logout", status_code=204)
def logout(session: TenantSession, principal: CurrentPrincipal) -> None:
    service.logout(session, principal=principal, now=utcnow())


@router.get("/api/v1/me")
def me(session: TenantSession, principal: CurrentPrincipal) -> MeOut:
    if principal.kind is not PrincipalKind.USER or principal.tenant_id is None:
        raise PermissionDenied("only staff users have a profile here")
    user_id = uuid.UUID(principal.subject)
    user = users.get_user(session, user_id=user_id)
    grants = user_grants(session, user_id=user_id)
    held = roles.of_user(session, user_id)
    return MeOut(
        user=UserOut.model_validate(user).model_copy(update={"role_ids": [r.id for r in held]}),
        tenant=TenantOut.model_validate(tenants.get_tenant(session, tenant_id=principal.tenant_id)),
        roles=[RoleOut.model_validate(r) for r in held],
        permissions=grants.permissions,
        scopes={module: str(scope) for module, scope in grants.scopes.items()},
        field_rules=grants.field_rules,
        session_id=uuid.UUID(principal.session_id) if principal.session_id else None,
    )


@router.post("/api/v1/me/password", status_code=204, responses={422: {}})
def change_password(body: PasswordChange, session: TenantSession) -> None:
    principal = current_principal()
    if principal.kind is not PrincipalKind.USER:
        raise PermissionDenied("only staff users change their password here")
    users.change_own_password(
        session,
        actor=principal,
        current_password=body.current_password,
        new_password=body.new_password,
        now=utcnow(),
    )
