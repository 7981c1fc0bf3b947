"""Signing keys: Ed25519, rotated by age; retired keys verify until their tokens expire."""

import json
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from jwt.algorithms import OKPAlgorithm
from sqlalchemy.orm import Session

from crm_identity.keys import repository
from crm_identity.keys.models import SigningKey
from crm_identity.settings import IdentitySettings


def _new_key(now: datetime) -> SigningKey:
    private = Ed25519PrivateKey.generate()
    kid = secrets.token_hex(8)
    public = json.loads(OKPAlgorithm.to_jwk(private.public_key()))
    public.update(kid=kid, use="sig", alg="EdDSA")
    pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    return SigningKey(kid=kid, private_pem=pem, public_jwk=public, created_at=now)


def signing_key(session: Session, *, settings: IdentitySettings, now: datetime) -> SigningKey:
    """The key to sign with now: the current one, or a new one when it is too old."""
    max_age = timedelta(seconds=settings.signing_key_rotation_seconds)
    key = repository.current(session)
    if key is not None and now - key.created_at < max_age:
        return key
    repository.lock_rotation(session)
    key = repository.current(session)  # another replica may have rotated meanwhile
    if key is not None and now - key.created_at < max_age:
        return key
    return rotate(session, now=now)


def rotate(session: Session, *, now: datetime) -> SigningKey:
    repository.lock_rotation(session)
    previous = repository.current(session)
    key = _new_key(now)
    if previous is not None:
        previous.retired_at = now
    repository.add(session, key)
    return key


def jwks(session: Session, *, settings: IdentitySettings, now: datetime) -> dict[str, Any]:
    # A token lives at most its TTL after its key retired (plus clock slack).
    horizon = now - timedelta(seconds=settings.longest_token_ttl_seconds + 60)
    return {"keys": [k.public_jwk for k in repository.verifying(session, retired_after=horizon)]}


def sign(key: SigningKey, claims: dict[str, Any]) -> str:
    private = serialization.load_pem_private_key(key.private_pem.encode(), password=None)
    return jwt.encode(claims, private, algorithm="EdDSA", headers={"kid": key.kid})  # type: ignore[arg-type]


def utcnow() -> datetime:
    return datetime.now(UTC)
