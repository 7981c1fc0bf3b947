"""Access tokens (JWT, EdDSA) and the opaque secrets behind refresh tokens and API keys."""

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from crm_identity.keys import service as keys
from crm_identity.settings import IdentitySettings
from crmkit.auth import PrincipalKind
from crmkit.settings import get_settings


@dataclass(frozen=True)
class IssuedToken:
    token: str
    expires_in: int


def issue_access_token(
    session: Session,
    *,
    tenant_id: uuid.UUID,
    subject: uuid.UUID,
    kind: PrincipalKind,
    session_id: uuid.UUID,
    permissions: list[str],
    settings: IdentitySettings,
    now: datetime,
) -> IssuedToken:
    shared = get_settings()
    issued_at = int(now.timestamp())
    ttl = settings.access_token_ttl_seconds
    claims = {
        "iss": shared.jwt_issuer,
        "aud": shared.jwt_audience,
        "sub": str(subject),
        "knd": str(kind),
        "tid": str(tenant_id),
        "sid": str(session_id),
        "perms": sorted(set(permissions)),
        "iat": issued_at,
        "exp": issued_at + ttl,
        "jti": uuid.uuid4().hex,
    }
    key = keys.signing_key(session, settings=settings, now=now)
    return IssuedToken(token=keys.sign(key, claims), expires_in=ttl)


def issue_service_token(
    session: Session,
    *,
    tenant_id: uuid.UUID,
    service: str,
    acting_for: str,
    settings: IdentitySettings,
    now: datetime,
) -> IssuedToken:
    """A `knd=service` token of one tenant without permissions; `act` (RFC 8693) names the
    user whose request the service carries out."""
    shared = get_settings()
    issued_at = int(now.timestamp())
    ttl = settings.service_token_ttl_seconds
    claims = {
        "iss": shared.jwt_issuer,
        "aud": shared.jwt_audience,
        "sub": service,
        "knd": str(PrincipalKind.SERVICE),
        "tid": str(tenant_id),
        "perms": [],
        "act": {"sub": acting_for},
        "iat": issued_at,
        "exp": issued_at + ttl,
        "jti": uuid.uuid4().hex,
    }
    key = keys.signing_key(session, settings=settings, now=now)
    return IssuedToken(token=keys.sign(key, claims), expires_in=ttl)


def new_secret(prefix: str, tenant_id: uuid.UUID) -> str:
    """`<prefix>_<tenant hex>_<random>`: opaque to clients; the tenant part only says which
    schema to look in, the random part is what is checked (by its hash)."""
    return f"{prefix}_{tenant_id.hex}_{secrets.token_urlsafe(32)}"


def tenant_of_secret(secret: str, prefix: str) -> uuid.UUID | None:
    parts = secret.split("_", 2)
    if len(parts) != 3 or parts[0] != prefix:
        return None
    try:
        return uuid.UUID(hex=parts[1])
    except ValueError:
        return None


def secret_hash(secret: str) -> str:
    """SHA-256 is enough here: the secrets are 256 random bits, not guessable passwords."""
    return hashlib.sha256(secret.encode()).hexdigest()
