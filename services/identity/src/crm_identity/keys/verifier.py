"""How identity verifies tokens: with its own keys from the database and a local session
check, never by calling itself over the network."""

import threading
import time
from typing import Any

import jwt
from jwt import PyJWK

from crm_identity.auth.service import session_is_active
from crm_identity.keys import service as keys
from crm_identity.settings import get_identity_settings
from crmkit.auth import Principal, TokenVerifier
from crmkit.db import Database
from crmkit.errors import TenantNotFound, Unauthenticated
from crmkit.settings import Settings
from crmkit.tenancy import tenant_context


class DatabaseKeySource:
    """The published keys, reloaded when a token names an unknown kid (a rotation made by
    another replica) or after `cache_seconds`."""

    def __init__(self, db: Database, *, cache_seconds: float = 60.0) -> None:
        self._db = db
        self._cache_seconds = cache_seconds
        self._keys: dict[str, Any] = {}
        self._loaded_at = float("-inf")
        self._lock = threading.Lock()

    def key_for(self, token: str) -> Any:
        kid = jwt.get_unverified_header(token).get("kid")
        if kid not in self._keys or time.monotonic() - self._loaded_at > self._cache_seconds:
            self._reload()
        if kid not in self._keys:
            raise Unauthenticated("token signed by an unknown key")
        return self._keys[kid]

    def _reload(self) -> None:
        with self._lock, self._db.platform_session() as session:
            document = keys.jwks(session, settings=get_identity_settings(), now=keys.utcnow())
            self._keys = {k["kid"]: PyJWK(k).key for k in document["keys"]}
            self._loaded_at = time.monotonic()


class LocalSessionCheck:
    def __init__(self, db: Database) -> None:
        self._db = db

    def is_active(self, principal: Principal) -> bool:
        if principal.tenant_id is None:
            return False
        try:
            with tenant_context(principal.tenant_id), self._db.tenant_session() as session:
                return session_is_active(session, principal=principal)
        except TenantNotFound:
            return False


def make_identity_verifier(db: Database, settings: Settings) -> TokenVerifier:
    return TokenVerifier(
        DatabaseKeySource(db),
        issuer=settings.jwt_issuer,
        audience=settings.jwt_audience,
        session_check=LocalSessionCheck(db),
    )
