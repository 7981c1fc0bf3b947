"""identity.v1.IdentityService: session checks, grants, visible owners and service tokens
over gRPC."""

import uuid
from typing import Any

import grpc
from sqlalchemy.orm import Session

from crm_identity.access.service import grants_of, visible_owners_for
from crm_identity.auth.service_tokens import issue_for_user
from crm_identity.roles.catalogue import CATALOGUE
from crm_identity.roles.scopes import DataScope, FieldAccess
from crm_identity.settings import get_identity_settings
from crm_identity.users import repository as users
from crm_proto.crm.identity.v1 import identity_pb2, identity_pb2_grpc
from crmkit.auth import Principal, PrincipalKind, current_principal
from crmkit.db import Database
from crmkit.errors import InvalidInput, NotFound, PermissionDenied

SCOPES = {
    DataScope.OWN: identity_pb2.DATA_SCOPE_OWN,
    DataScope.SUBORDINATES: identity_pb2.DATA_SCOPE_SUBORDINATES,
    DataScope.DEPARTMENT: identity_pb2.DATA_SCOPE_DEPARTMENT,
    DataScope.DEPARTMENT_TREE: identity_pb2.DATA_SCOPE_DEPARTMENT_TREE,
    DataScope.ALL: identity_pb2.DATA_SCOPE_ALL,
}
FIELD_ACCESS = {
    FieldAccess.HIDDEN: identity_pb2.FIELD_ACCESS_HIDDEN,
    FieldAccess.MASKED: identity_pb2.FIELD_ACCESS_MASKED,
    FieldAccess.READ_ONLY: identity_pb2.FIELD_ACCESS_READ_ONLY,
}


def _subject(session: Session, caller: Principal, user_id: str) -> Principal:
    """Whom a request asks about: the caller, or a named user for callers allowed to ask."""
    if not user_id or user_id == caller.subject:
        return caller
    if (
        caller.kind is not PrincipalKind.SERVICE
        and "identity:manage_roles" not in caller.permissions
    ):
        raise PermissionDenied("asking about another user needs identity:manage_roles")
    try:
        target = uuid.UUID(user_id)
    except ValueError as exc:
        raise InvalidInput.on_field("user_id", "not a UUID") from exc
    if users.by_id(session, target) is None:
        raise NotFound("no such user")
    return Principal(kind=PrincipalKind.USER, subject=str(target), tenant_id=caller.tenant_id)


class IdentityServicer(identity_pb2_grpc.IdentityServiceServicer):
    def __init__(self, db: Database) -> None:
        self._db = db

    def CheckSession(self, request: Any, context: grpc.ServicerContext) -> Any:  # noqa: N802
        # The interceptor verified the token with identity's local session check: an ended
        # session never reaches this line.
        current_principal()
        return identity_pb2.CheckSessionResponse(active=True)

    def GetGrants(self, request: Any, context: grpc.ServicerContext) -> Any:  # noqa: N802
        with self._db.tenant_transaction() as session:
            principal = _subject(session, current_principal(), request.user_id)
            grants = grants_of(session, principal=principal)
        return identity_pb2.GetGrantsResponse(
            principal_id=grants.principal_id,
            permissions=grants.permissions,
            scopes={module: SCOPES[scope] for module, scope in grants.scopes.items()},
            field_rules=[
                identity_pb2.FieldRule(
                    module=module, field=field, access=FIELD_ACCESS[FieldAccess(access)]
                )
                for module, rules in sorted(grants.field_rules.items())
                for field, access in sorted(rules.items())
            ],
        )

    def ListVisibleOwners(self, request: Any, context: grpc.ServicerContext) -> Any:  # noqa: N802
        if request.module not in CATALOGUE:
            raise InvalidInput.on_field("module", f"no module {request.module!r}")
        with self._db.tenant_transaction() as session:
            principal = _subject(session, current_principal(), request.user_id)
            scope, owners = visible_owners_for(session, principal=principal, module=request.module)
        return identity_pb2.ListVisibleOwnersResponse(
            scope=SCOPES[scope],
            all=owners is None,
            owner_ids=sorted(str(o) for o in owners or ()),
        )

    def IssueServiceToken(self, request: Any, context: grpc.ServicerContext) -> Any:  # noqa: N802
        with self._db.tenant_transaction() as session:
            issued = issue_for_user(
                session,
                caller=current_principal(),
                service=request.service,
                purpose=request.purpose,
                settings=get_identity_settings(),
            )
        return identity_pb2.IssueServiceTokenResponse(
            token=issued.token, expires_in=issued.expires_in
        )


def registrations(db: Database) -> list[tuple[Any, Any]]:
    return [(identity_pb2_grpc.add_IdentityServiceServicer_to_server, IdentityServicer(db))]
