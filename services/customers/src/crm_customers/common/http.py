"""HTTP helpers shared by the customers routers."""

from typing import Annotated

from fastapi import Depends, Header, Query

from crm_customers.common.access import Caller, caller_for
from crm_customers.staff import repository as staff
from crmkit.access import access_client
from crmkit.auth import current_principal
from crmkit.errors import InvalidInput
from crmkit.http import TenantSession


def _caller(session: TenantSession) -> Caller:
    principal = current_principal()
    if principal.tenant_id is not None:
        # Cached grants are dropped when identity changed who sees what (staff/events.py).
        access_client().observe_epoch(principal.tenant_id, staff.access_epoch(session))
    return caller_for(principal)


CurrentCaller = Annotated[Caller, Depends(_caller)]


def expected_version(
    if_match: Annotated[str | None, Header(description='The version read, e.g. "3"')] = None,
) -> int | None:
    """`If-Match: "3"` (or `W/"3"`, or `3`): the version the client last read."""
    if if_match is None:
        return None
    value = if_match.strip().removeprefix("W/").strip('"')
    try:
        return int(value)
    except ValueError as exc:
        raise InvalidInput.on_field("If-Match", "must be the record's version") from exc


IfMatch = Annotated[int | None, Depends(expected_version)]
Filters = Annotated[
    list[str],
    Query(
        alias="filter",
        description="`<field>:<op>:<value>`, repeatable (AND); ops eq, ne, in, contains, "
        "starts_with, gt, gte, lt, lte, between, is_empty",
    ),
]
Limit = Annotated[int, Query(ge=1, le=200)]


def etag(version: int) -> dict[str, str]:
    return {"ETag": f'"{version}"'}
