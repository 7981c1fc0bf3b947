"""HTTP helpers identity's routers share: optimistic concurrency, staff-only routes, the
database of routes that run before a caller is known (sign-up, login)."""

import re
import uuid
from typing import Annotated, Any

from fastapi import Depends, Header, Request, Response

from crmkit.auth import Principal, PrincipalKind, current_principal
from crmkit.db import Database
from crmkit.errors import InvalidInput, PermissionDenied, PreconditionFailed


def expected_version(
    if_match: Annotated[str | None, Header(alias="If-Match")] = None,
) -> int | None:
    """The version an `If-Match` header names (`"3"`, `W/"3"` or `3`); None without one."""
    if if_match is None or if_match.strip() == "*":
        return None
    found = re.fullmatch(r'\s*(?:W/)?"?(\d+)"?\s*', if_match)
    if found is None:
        raise InvalidInput.on_field("If-Match", 'must be the record\'s version, e.g. "3"')
    return int(found.group(1))


ExpectedVersion = Annotated[int | None, Depends(expected_version)]


def check_version(current: int, expected: int | None) -> None:
    if expected is not None and expected != current:
        raise PreconditionFailed("the record changed since you read it", current_version=current)


def set_etag(response: Response, version: int) -> None:
    response.headers["ETag"] = f'"{version}"'


def _staff() -> Principal:
    principal = current_principal()
    if principal.kind not in (PrincipalKind.USER, PrincipalKind.API_KEY):
        raise PermissionDenied("this route is for staff")
    return principal


Staff = Annotated[Principal, Depends(_staff)]


def StaffWith(permission: str) -> Any:  # noqa: N802 - reads as a type in signatures
    """`who: Annotated[Principal, StaffWith("identity:manage_users")]`: staff only (portal
    principals are refused whatever their permissions), holding `permission`."""

    def check() -> Principal:
        principal = _staff()
        principal.require(permission)
        return principal

    return Depends(check)


def client_ip(request: Request) -> str:
    forwarded = request.headers.get("x-forwarded-for")
    if forwarded:
        return forwarded.split(",")[0].strip()
    return request.client.host if request.client else "unknown"


def database(request: Request) -> Database:
    db = request.app.state.db
    if not isinstance(db, Database):
        raise RuntimeError("identity's app was created without a database")
    return db


def tenant_of(principal: Principal) -> uuid.UUID:
    if principal.tenant_id is None:
        raise PermissionDenied("this route needs a tenant's principal")
    return principal.tenant_id
