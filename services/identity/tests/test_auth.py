"""Signing in: tokens verifiable with the published keys, refresh tokens that work once,
logout, and tokens that are tampered with, expired or another tenant's refused."""

import time
import uuid

import jwt
from fastapi.testclient import TestClient
from identity_testkit import PASSWORD, Org, bearer

from crm_identity.keys import service as keys
from crm_identity.settings import get_identity_settings
from crmkit.auth import PrincipalKind, StaticKeySource, TokenVerifier
from crmkit.db import Database
from crmkit.testing.tokens import TestSigner


def test_login_gives_a_short_lived_eddsa_token_verifiable_with_the_jwks(
    client: TestClient, acme: Org, globex: Org
) -> None:
    jwks = client.get("/.well-known/jwks.json").json()
    assert jwks["keys"]
    assert all("d" not in k for k in jwks["keys"]), "no private parts"
    verifier = TokenVerifier(StaticKeySource(jwks), issuer="crm-identity", audience="crm")
    for org in (acme, globex):
        tokens = org.tokens["admin"]
        assert tokens["token_type"] == "bearer"
        assert tokens["expires_in"] == get_identity_settings().access_token_ttl_seconds
        principal = verifier.verify(tokens["access_token"])
        assert str(principal.tenant_id) == org.tenant_id
        assert principal.kind is PrincipalKind.USER
        assert "identity:manage_users" in principal.permissions
        claims = jwt.decode(tokens["access_token"], options={"verify_signature": False})
        assert jwt.get_unverified_header(tokens["access_token"])["alg"] == "EdDSA"
        assert {"iss", "aud", "sub", "knd", "tid", "sid", "perms", "exp", "iat", "jti"} <= set(
            claims
        )


def test_wrong_credentials_are_401_and_say_nothing_about_the_email(
    client: TestClient, acme: Org, globex: Org
) -> None:
    attempts = [
        {"tenant": acme.slug, "email": acme.admin_email, "password": "Wrong-passw0rd"},
        {"tenant": acme.slug, "email": "nobody@acme.example", "password": PASSWORD},
        # globex's admin does not exist in acme
        {"tenant": acme.slug, "email": globex.admin_email, "password": PASSWORD},
        {"tenant": "no-such-tenant", "email": acme.admin_email, "password": PASSWORD},
    ]
    details = set()
    for body in attempts:
        response = client.post("/api/v1/auth/login", json=body)
        assert response.status_code == 401
        details.add(response.json()["detail"])
    assert len(details) == 1


def test_the_gateway_may_name_the_tenant_in_a_header(client: TestClient, acme: Org) -> None:
    response = client.post(
        "/api/v1/auth/login",
        json={"email": acme.admin_email, "password": PASSWORD},
        headers={"X-CRM-Tenant-Slug": acme.slug},
    )
    assert response.status_code == 200
    missing = client.post("/api/v1/auth/login", json={"email": "a@b.example", "password": "x"})
    assert missing.status_code == 422
    assert missing.json()["errors"][0]["field"] == "tenant"


def test_me_answers_user_tenant_roles_permissions_and_scopes(acme: Org, globex: Org) -> None:
    for org in (acme, globex):
        me = org.get("/api/v1/me").json()
        assert me["user"]["email"] == org.admin_email
        assert me["tenant"]["id"] == org.tenant_id
        assert [r["builtin_key"] for r in me["roles"]] == ["tenant_admin"]
        assert "customers:export" in me["permissions"]
        assert me["scopes"]["customers"] == "all"


def test_a_refresh_token_works_once_and_its_reuse_ends_the_session(
    client: TestClient, acme: Org, globex: Org
) -> None:
    first = acme.tokens["admin"]
    rotated = client.post("/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert rotated.status_code == 200
    second = rotated.json()
    assert second["refresh_token"] != first["refresh_token"]
    assert client.get("/api/v1/me", headers=bearer(second["access_token"])).status_code == 200

    replay = client.post("/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert replay.status_code == 401
    assert "reused" in replay.json()["detail"]
    # The whole session ended: the newer refresh token and every access token of it.
    again = client.post("/api/v1/auth/refresh", json={"refresh_token": second["refresh_token"]})
    assert again.status_code == 401
    assert client.get("/api/v1/me", headers=bearer(second["access_token"])).status_code == 401
    assert client.get("/api/v1/me", headers=bearer(first["access_token"])).status_code == 401
    # Another session of the same user, and the other tenant, are untouched.
    other = acme.login("admin-2", acme.admin_email)
    assert client.get("/api/v1/me", headers=bearer(other["access_token"])).status_code == 200
    assert globex.get("/api/v1/me").status_code == 200


def test_a_refresh_token_of_unknown_shape_or_tenant_is_401(client: TestClient, acme: Org) -> None:
    token = acme.tokens["admin"]["refresh_token"]
    forged = token.replace(acme.tenant_id.replace("-", ""), uuid.uuid4().hex)
    for value in ("garbage", forged, token[:-3] + "xyz"):
        assert client.post("/api/v1/auth/refresh", json={"refresh_token": value}).status_code == 401


def test_logout_ends_the_session(client: TestClient, acme: Org, globex: Org) -> None:
    tokens = acme.tokens["admin"]
    assert acme.post("/api/v1/auth/logout").status_code == 204
    assert acme.get("/api/v1/me").status_code == 401
    refreshed = client.post("/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert refreshed.status_code == 401
    assert globex.get("/api/v1/me").status_code == 200


def test_tampered_expired_foreign_and_other_tenant_tokens_are_refused(
    client: TestClient, db: Database, acme: Org, globex: Org
) -> None:
    token = acme.tokens["admin"]["access_token"]
    header, payload, signature = token.split(".")
    claims = jwt.decode(token, options={"verify_signature": False})
    # Same signature, claims naming the other tenant.
    claims_b = {**claims, "tid": globex.tenant_id}
    other_payload = jwt.utils.base64url_encode(jwt.api_jws.json.dumps(claims_b).encode()).decode()  # type: ignore[attr-defined]
    with db.platform_transaction() as session:
        key = keys.signing_key(session, settings=get_identity_settings(), now=keys.utcnow())
        expired = keys.sign(
            key, {**claims, "iat": int(time.time()) - 900, "exp": int(time.time()) - 60}
        )
        # Correctly signed, but globex's tenant with acme's session: no such session there.
        crossed = keys.sign(key, claims_b)
    for bad in (
        f"{header}.{other_payload}.{signature}",
        token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB"),
        expired,
        crossed,
        TestSigner().mint(tenant_id=uuid.UUID(acme.tenant_id), subject=claims["sub"]),
    ):
        response = client.get("/api/v1/me", headers=bearer(bad))
        assert response.status_code == 401, bad
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 200


def test_rotated_keys_keep_verifying_until_their_tokens_expire(
    client: TestClient, db: Database, acme: Org
) -> None:
    old_token = acme.tokens["admin"]["access_token"]
    old_kid = jwt.get_unverified_header(old_token)["kid"]
    with db.platform_transaction() as session:
        new_key = keys.rotate(session, now=keys.utcnow())
    kids = {k["kid"] for k in client.get("/.well-known/jwks.json").json()["keys"]}
    assert {old_kid, new_key.kid} <= kids
    assert acme.get("/api/v1/me").status_code == 200, "a token of the retired key still works"
    fresh = acme.login("admin-after-rotation", acme.admin_email)["access_token"]
    assert jwt.get_unverified_header(fresh)["kid"] == new_key.kid
    with db.platform_session() as session:
        # Service tokens (IssueServiceToken) live longest: the retired key stays until then.
        settings = get_identity_settings()
        assert settings.longest_token_ttl_seconds >= settings.service_token_ttl_seconds
        still = keys.utcnow() + __import__("datetime").timedelta(
            seconds=settings.longest_token_ttl_seconds - 60
        )
        assert old_kid in {
            k["kid"] for k in keys.jwks(session, settings=settings, now=still)["keys"]
        }
        later = keys.utcnow() + __import__("datetime").timedelta(
            seconds=settings.longest_token_ttl_seconds + 120
        )
        published = {
            k["kid"]
            for k in keys.jwks(session, settings=get_identity_settings(), now=later)["keys"]
        }
    assert old_kid not in published
    assert new_key.kid in published
