"""Signing in and out: passwords, sessions, access tokens and rotating refresh tokens.

Outcomes that must be kept even though the caller is refused (a failed login counted, a
session revoked for refresh-token reuse) are returned, not raised, so the edge commits them
and then answers 401.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from crm_identity.access.service import grants_of
from crm_identity.apikeys import repository as api_keys
from crm_identity.audit import service as audit
from crm_identity.auth import repository
from crm_identity.auth.models import AuthSession, RefreshToken
from crm_identity.auth.tokens import (
    issue_access_token,
    new_secret,
    secret_hash,
    tenant_of_secret,
)
from crm_identity.common.passwords import verify_password
from crm_identity.portal import repository as portal
from crm_identity.portal.models import PortalAccount
from crm_identity.settings import IdentitySettings
from crm_identity.tenants import repository as tenants
from crm_identity.users import repository as users
from crm_identity.users.models import User, UserStatus
from crmkit.auth import Principal, PrincipalKind
from crmkit.registry import TenantStatus

REFRESH_PREFIX = "crmrt"


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_in: int


@dataclass(frozen=True)
class LoginResult:
    tokens: TokenPair | None
    principal_id: uuid.UUID | None = None


def tenant_is_active(session: Session, *, tenant_id: uuid.UUID) -> bool:
    tenant = tenants.by_id(session, tenant_id)
    return tenant is not None and tenant.status == TenantStatus.ACTIVE


def active_tenant_id(session: Session, *, slug: str) -> uuid.UUID | None:
    tenant = tenants.by_slug(session, slug)
    if tenant is None or tenant.status != TenantStatus.ACTIVE:
        return None
    return tenant.id


def _start_session(
    session: Session,
    *,
    tenant_id: uuid.UUID,
    kind: PrincipalKind,
    principal_id: uuid.UUID,
    permissions: list[str],
    ip: str | None,
    settings: IdentitySettings,
    now: datetime,
) -> TokenPair:
    auth_session = AuthSession(
        principal_kind=str(kind), principal_id=principal_id, ip=ip, created_at=now
    )
    repository.add_session(session, auth_session)
    return _issue(
        session,
        tenant_id=tenant_id,
        auth_session=auth_session,
        permissions=permissions,
        settings=settings,
        now=now,
    )


def _issue(
    session: Session,
    *,
    tenant_id: uuid.UUID,
    auth_session: AuthSession,
    permissions: list[str],
    settings: IdentitySettings,
    now: datetime,
) -> TokenPair:
    refresh = new_secret(REFRESH_PREFIX, tenant_id)
    repository.add_refresh_token(
        session,
        RefreshToken(
            session_id=auth_session.id,
            token_hash=secret_hash(refresh),
            created_at=now,
            expires_at=now + timedelta(seconds=settings.refresh_token_ttl_seconds),
        ),
    )
    access = issue_access_token(
        session,
        tenant_id=tenant_id,
        subject=auth_session.principal_id,
        kind=PrincipalKind(auth_session.principal_kind),
        session_id=auth_session.id,
        permissions=permissions,
        settings=settings,
        now=now,
    )
    return TokenPair(access.token, refresh, access.expires_in)


def _permissions_of(session: Session, kind: PrincipalKind, principal_id: uuid.UUID) -> list[str]:
    principal = Principal(kind=kind, subject=str(principal_id), tenant_id=None)
    return grants_of(session, principal=principal).permissions


def login(
    session: Session,
    *,
    tenant_id: uuid.UUID,
    email: str,
    password: str,
    kind: PrincipalKind,
    ip: str | None,
    settings: IdentitySettings,
    now: datetime,
) -> LoginResult:
    """Staff (`kind=user`) or portal (`kind=portal`) sign-in in the current tenant's schema.
    Unknown email, wrong password and disabled account look the same to the caller."""
    email = email.strip().lower()
    account: User | PortalAccount | None
    if kind is PrincipalKind.PORTAL:
        account = portal.by_email(session, email)
    else:
        account = users.by_email(session, email)
    password_ok = verify_password(account.password_hash if account else None, password)
    if account is None or not password_ok or account.status != UserStatus.ACTIVE:
        audit.record(
            session,
            action="login.failed",
            actor_id=str(account.id) if account else None,
            ip=ip,
            details={"email": email, "kind": str(kind)},
        )
        return LoginResult(tokens=None)
    tokens = _start_session(
        session,
        tenant_id=tenant_id,
        kind=kind,
        principal_id=account.id,
        permissions=_permissions_of(session, kind, account.id),
        ip=ip,
        settings=settings,
        now=now,
    )
    audit.record(
        session,
        action="login.succeeded",
        actor_id=str(account.id),
        ip=ip,
        details={"kind": str(kind)},
    )
    return LoginResult(tokens=tokens, principal_id=account.id)


@dataclass(frozen=True)
class RefreshResult:
    tokens: TokenPair | None
    reuse_detected: bool = False


def refresh_tenant(refresh_token: str) -> uuid.UUID | None:
    return tenant_of_secret(refresh_token, REFRESH_PREFIX)


def refresh(
    session: Session,
    *,
    tenant_id: uuid.UUID,
    refresh_token: str,
    ip: str | None,
    settings: IdentitySettings,
    now: datetime,
) -> RefreshResult:
    """Each refresh token works once. Presenting a used one means it was copied: the whole
    session ends, for the thief and the owner alike."""
    stored = repository.refresh_token_by_hash(session, secret_hash(refresh_token))
    if stored is None:
        return RefreshResult(tokens=None)
    auth_session = repository.session_by_id(session, stored.session_id)
    if auth_session is None or auth_session.ended_at is not None:
        return RefreshResult(tokens=None)
    if stored.used_at is not None:
        repository.end_session(session, auth_session.id, reason="refresh_reuse", now=now)
        audit.record(
            session,
            action="session.refresh_reused",
            actor_id=str(auth_session.principal_id),
            target_type="session",
            target_id=auth_session.id,
            ip=ip,
        )
        return RefreshResult(tokens=None, reuse_detected=True)
    if stored.expires_at <= now or not _principal_active(session, auth_session):
        return RefreshResult(tokens=None)
    stored.used_at = now
    kind = PrincipalKind(auth_session.principal_kind)
    tokens = _issue(
        session,
        tenant_id=tenant_id,
        auth_session=auth_session,
        permissions=_permissions_of(session, kind, auth_session.principal_id),
        settings=settings,
        now=now,
    )
    return RefreshResult(tokens=tokens)


def _principal_active(session: Session, auth_session: AuthSession) -> bool:
    if auth_session.principal_kind == PrincipalKind.PORTAL:
        account = portal.by_id(session, auth_session.principal_id)
        return account is not None and account.status == UserStatus.ACTIVE
    user = users.by_id(session, auth_session.principal_id)
    return user is not None and user.status == UserStatus.ACTIVE


def logout(session: Session, *, principal: Principal, now: datetime) -> None:
    if principal.session_id is None:
        return
    repository.end_session(session, uuid.UUID(principal.session_id), reason="logout", now=now)
    audit.record(
        session,
        action="logout",
        actor=principal,
        target_type="session",
        target_id=principal.session_id,
    )


def session_is_active(session: Session, *, principal: Principal) -> bool:
    """The local session check: the tenant is active, and the session (or API key) alive,
    and its user enabled."""
    if principal.tenant_id is None:
        return False
    tenant = tenants.by_id(session, principal.tenant_id)
    if tenant is None or tenant.status != TenantStatus.ACTIVE:
        return False
    if principal.kind is PrincipalKind.API_KEY:
        key = api_keys.by_id(session, uuid.UUID(principal.subject))
        return key is not None and key.revoked_at is None
    if principal.session_id is None:
        return False
    auth_session = repository.session_by_id(session, uuid.UUID(principal.session_id))
    if auth_session is None or auth_session.ended_at is not None:
        return False
    if str(auth_session.principal_id) != principal.subject:
        return False
    return _principal_active(session, auth_session)
