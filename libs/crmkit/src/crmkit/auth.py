"""Who is calling: access-token verification and the current principal.

Identity signs short-lived JWTs with an asymmetric key (EdDSA) and publishes its JWKS;
every service verifies tokens locally with those keys. A valid signature is not enough for
a session that has ended (logout, a disabled user, a suspended tenant): an optional
`SessionCheck` asks identity whether the token's session is still alive
(`crmkit.sessions`), so such tokens are refused within seconds rather than at expiry.
"""

import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol

import jwt
from jwt import PyJWK, PyJWKClient

from crmkit.errors import PermissionDenied, Unauthenticated

ALGORITHMS = ["EdDSA"]


class PrincipalKind(StrEnum):
    USER = "user"
    PORTAL = "portal"
    API_KEY = "api_key"
    SERVICE = "service"


@dataclass(frozen=True)
class Principal:
    kind: PrincipalKind
    subject: str
    tenant_id: uuid.UUID | None
    session_id: str | None = None
    permissions: frozenset[str] = field(default_factory=frozenset)
    token: str | None = field(default=None, repr=False)

    def require(self, permission: str) -> None:
        if permission not in self.permissions:
            raise PermissionDenied(f"missing permission {permission}")


_current_principal: ContextVar[Principal | None] = ContextVar("crm_principal", default=None)


def current_principal() -> Principal:
    principal = _current_principal.get()
    if principal is None:
        raise Unauthenticated()
    return principal


def current_principal_or_none() -> Principal | None:
    return _current_principal.get()


@contextmanager
def principal_context(principal: Principal | None) -> Iterator[None]:
    token = _current_principal.set(principal)
    try:
        yield
    finally:
        _current_principal.reset(token)


class KeySource(Protocol):
    def key_for(self, token: str) -> Any: ...


class JwksKeySource:
    """Identity's published keys, fetched and cached (rotation: unknown kid refetches)."""

    def __init__(self, url: str, *, cache_seconds: int = 300) -> None:
        self._client = PyJWKClient(url, cache_keys=True, lifespan=cache_seconds)

    def key_for(self, token: str) -> Any:
        try:
            return self._client.get_signing_key_from_jwt(token).key
        except jwt.PyJWKClientError as exc:
            raise Unauthenticated("token signed by an unknown key") from exc


class StaticKeySource:
    """Keys given as a JWKS document (identity itself, tests)."""

    def __init__(self, jwks: Mapping[str, Any]) -> None:
        self._keys = {k["kid"]: PyJWK(k).key for k in jwks["keys"]}

    def key_for(self, token: str) -> Any:
        kid = jwt.get_unverified_header(token).get("kid")
        if kid not in self._keys:
            raise Unauthenticated("token signed by an unknown key")
        return self._keys[kid]


class SessionCheck(Protocol):
    """Whether a verified token's session is still alive (not logged out, user enabled,
    tenant not suspended). Raises `Unauthenticated` when it cannot tell."""

    def is_active(self, principal: Principal) -> bool: ...


class TokenVerifier:
    def __init__(
        self,
        keys: KeySource,
        *,
        issuer: str,
        audience: str,
        session_check: SessionCheck | None = None,
    ) -> None:
        self._keys = keys
        self._issuer = issuer
        self._audience = audience
        self._session_check = session_check

    def verify(self, token: str) -> Principal:
        try:
            key = self._keys.key_for(token)
            claims = jwt.decode(
                token,
                key=key,
                algorithms=ALGORITHMS,
                audience=self._audience,
                issuer=self._issuer,
                options={"require": ["exp", "iat", "sub", "knd"]},
            )
            tenant = claims.get("tid")
            principal = Principal(
                kind=PrincipalKind(claims["knd"]),
                subject=str(claims["sub"]),
                tenant_id=uuid.UUID(tenant) if tenant else None,
                session_id=claims.get("sid"),
                permissions=frozenset(claims.get("perms", ())),
                token=token,
            )
        except Unauthenticated:
            raise
        except (jwt.InvalidTokenError, ValueError, KeyError) as exc:
            raise Unauthenticated(f"invalid token: {exc}") from exc
        if self._session_check is not None and principal.kind is not PrincipalKind.SERVICE:
            if not self._session_check.is_active(principal):
                raise Unauthenticated("the session has ended")
        return principal


def bearer_token(authorization: str | None) -> str | None:
    if not authorization:
        return None
    scheme, _, value = authorization.partition(" ")
    if scheme.lower() != "bearer" or not value:
        raise Unauthenticated("authorization must be 'Bearer <token>'")
    return value.strip()
