"""API keys for integrations: scoped to permissions (never more than their creator holds),
shown once, stored hashed, revocable. A key is exchanged for a short-lived access token
(`knd=api_key`, `sub` and `sid` the key's id), so services verify it like any other."""

import uuid
from datetime import datetime

from sqlalchemy.orm import Session

from crm_identity.apikeys import repository
from crm_identity.apikeys.models import ApiKey
from crm_identity.audit import service as audit
from crm_identity.auth.tokens import (
    IssuedToken,
    issue_access_token,
    new_secret,
    secret_hash,
    tenant_of_secret,
)
from crm_identity.roles.catalogue import unknown_permissions
from crm_identity.settings import IdentitySettings
from crmkit.auth import Principal, PrincipalKind
from crmkit.errors import InvalidInput, NotFound

KEY_PREFIX = "crmak"


def create_key(
    session: Session, *, actor: Principal, name: str, permissions: list[str], tenant_id: uuid.UUID
) -> tuple[ApiKey, str]:
    unknown = unknown_permissions(permissions)
    if unknown:
        raise InvalidInput.on_field("permissions", f"not in the catalogue: {', '.join(unknown)}")
    beyond = sorted(set(permissions) - actor.permissions)
    if beyond:
        raise InvalidInput.on_field("permissions", f"you do not hold: {', '.join(beyond)}")
    secret = new_secret(KEY_PREFIX, tenant_id)
    key = ApiKey(
        name=name,
        prefix=secret.rsplit("_", 1)[-1][:8],
        secret_hash=secret_hash(secret),
        permissions=sorted(set(permissions)),
        created_by=uuid.UUID(actor.subject) if actor.kind is PrincipalKind.USER else None,
    )
    repository.add(session, key)
    audit.record(
        session,
        action="api_key.created",
        actor=actor,
        target_type="api_key",
        target_id=key.id,
        details={"name": name, "permissions": key.permissions},
    )
    return key, secret


def get_key(session: Session, *, key_id: uuid.UUID) -> ApiKey:
    key = repository.by_id(session, key_id)
    if key is None:
        raise NotFound("no such API key")
    return key


def list_keys(session: Session) -> list[ApiKey]:
    return repository.all_keys(session)


def revoke_key(session: Session, *, actor: Principal, key_id: uuid.UUID, now: datetime) -> None:
    key = get_key(session, key_id=key_id)
    if key.revoked_at is None:
        key.revoked_at = now
        audit.record(
            session, action="api_key.revoked", actor=actor, target_type="api_key", target_id=key.id
        )


def key_tenant(secret: str) -> uuid.UUID | None:
    return tenant_of_secret(secret, KEY_PREFIX)


def exchange(
    session: Session,
    *,
    tenant_id: uuid.UUID,
    secret: str,
    settings: IdentitySettings,
    now: datetime,
) -> IssuedToken | None:
    key = repository.by_hash(session, secret_hash(secret))
    if key is None or key.revoked_at is not None:
        return None
    return issue_access_token(
        session,
        tenant_id=tenant_id,
        subject=key.id,
        kind=PrincipalKind.API_KEY,
        session_id=key.id,
        permissions=key.permissions,
        settings=settings,
        now=now,
    )
