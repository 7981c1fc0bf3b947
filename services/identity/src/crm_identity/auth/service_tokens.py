"""Service tokens on behalf of a user: a service carries out work the user started (a
search re-index) with a `knd=service` token, which only identity signs. Which service may
get one, and for what, is a short list; the user must hold the purpose's permission."""

from sqlalchemy.orm import Session

from crm_identity.access.service import grants_of
from crm_identity.audit import service as audit
from crm_identity.auth.tokens import IssuedToken, issue_service_token
from crm_identity.keys.service import utcnow
from crm_identity.settings import IdentitySettings
from crmkit.auth import Principal, PrincipalKind
from crmkit.errors import InvalidInput, PermissionDenied

# (service, purpose) → the permission the requesting user needs.
PURPOSES: dict[tuple[str, str], str] = {
    ("search", "reindex"): "search:reindex",
}


def issue_for_user(
    session: Session,
    *,
    caller: Principal,
    service: str,
    purpose: str,
    settings: IdentitySettings,
) -> IssuedToken:
    if caller.kind is not PrincipalKind.USER or caller.tenant_id is None:
        raise PermissionDenied("only a user may ask for a service token")
    if service not in {s for s, _ in PURPOSES}:
        raise InvalidInput.on_field("service", f"no service tokens for {service!r}")
    permission = PURPOSES.get((service, purpose))
    if permission is None:
        raise InvalidInput.on_field("purpose", f"{service!r} gets no token for {purpose!r}")
    # The token's permissions, and the user's roles now: a role taken away since the
    # token was issued counts at once.
    caller.require(permission)
    if permission not in grants_of(session, principal=caller).permissions:
        raise PermissionDenied(f"missing permission {permission}")
    issued = issue_service_token(
        session,
        tenant_id=caller.tenant_id,
        service=service,
        acting_for=caller.subject,
        settings=settings,
        now=utcnow(),
    )
    audit.record(
        session,
        action="service_token.issued",
        actor=caller,
        target_type="service",
        target_id=service,
        details={"purpose": purpose, "expires_in": issued.expires_in},
    )
    return issued
