"""A real Ed25519 signer for tests, standing in for identity's key (not a mock: tokens are
signed and verified exactly as in production, only the key is made on the spot)."""

import json
import time
import uuid
from collections.abc import Iterable
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from jwt.algorithms import OKPAlgorithm

from crmkit.auth import PrincipalKind, StaticKeySource, TokenVerifier

ISSUER = "crm-identity"
AUDIENCE = "crm"


class TestSigner:
    __test__ = False  # not a test class, despite the name

    def __init__(self, kid: str | None = None) -> None:
        self.kid = kid or uuid.uuid4().hex[:16]
        self._key = Ed25519PrivateKey.generate()

    def jwks(self) -> dict[str, Any]:
        public = json.loads(OKPAlgorithm.to_jwk(self._key.public_key()))
        public.update(kid=self.kid, use="sig", alg="EdDSA")
        return {"keys": [public]}

    def verifier(self) -> TokenVerifier:
        return TokenVerifier(StaticKeySource(self.jwks()), issuer=ISSUER, audience=AUDIENCE)

    def mint(
        self,
        *,
        tenant_id: uuid.UUID | None,
        subject: str | None = None,
        kind: PrincipalKind = PrincipalKind.USER,
        ttl_seconds: int = 300,
        permissions: Iterable[str] = (),
        **claims: Any,
    ) -> str:
        now = int(time.time())
        payload = {
            "iss": ISSUER,
            "aud": AUDIENCE,
            "sub": subject or str(uuid.uuid4()),
            "knd": str(kind),
            "tid": str(tenant_id) if tenant_id else None,
            "iat": now,
            "exp": now + ttl_seconds,
            "jti": uuid.uuid4().hex,
            "perms": sorted(permissions),
            **claims,
        }
        return jwt.encode(payload, self._key, algorithm="EdDSA", headers={"kid": self.kid})
