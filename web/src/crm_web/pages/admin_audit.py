"""The security audit log (identity's `GET /api/v1/audit-events`) with its filters."""

import asyncio
import json
from datetime import datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter
from fastapi.responses import Response

from crm_web.gateway import ApiError
from crm_web.pages.admin import all_users, require_admin
from crm_web.pages.common import CurrentPage, Page

router = APIRouter()

# What identity records today; the filter also takes any other action typed in the URL.
KNOWN_ACTIONS = (
    "login.succeeded", "login.failed", "logout", "session.refresh_reused", "tenant.signed_up",
    "user.created", "user.disabled", "user.enabled", "user.roles_changed",
    "user.password_reset", "user.password_changed", "role.created", "role.updated",
    "role.deleted", "api_key.created", "api_key.revoked", "portal_account.created", "export",
)  # fmt: skip


def _bound(page: Page, day: str, *, end: bool) -> str | None:
    """A picked day as the tenant's local midnight (the next one for `until`), ISO 8601."""
    if not day:
        return None
    try:
        picked = datetime.fromisoformat(day).date()
    except ValueError:
        return day  # the API names the field and says why
    if end:
        picked += timedelta(days=1)
    return datetime.combine(picked, time(0, 0), tzinfo=page.fmt.zone).isoformat()


def _details(details: dict[str, Any]) -> list[tuple[str, str]]:
    """Each detail as `key` and its value as compact JSON (the page escapes it)."""
    return [
        (key, value if isinstance(value, str) else json.dumps(value, ensure_ascii=False))
        for key, value in details.items()
    ]


@router.get("/admin/audit")
async def audit_page(
    page: CurrentPage,
    action: str = "",
    actor_id: str = "",
    since: str = "",
    until: str = "",
    cursor: str = "",
) -> Response:
    require_admin(page)
    params: dict[str, Any] = {"limit": 50}
    bounds = {"since": _bound(page, since, end=False), "until": _bound(page, until, end=True)}
    given = {"action": action, "actor_id": actor_id, "cursor": cursor, **bounds}
    params.update({name: value for name, value in given.items() if value})
    errors: dict[str, str] = {}
    found: dict[str, Any] = {"items": [], "next_cursor": None}
    users, roles = await asyncio.gather(all_users(page), page.api("GET", "/api/v1/roles"))
    try:
        found = await page.api("GET", "/api/v1/audit-events", params=params)
    except ApiError as exc:
        if exc.status != 422:
            raise
        errors = exc.field_errors or {"": exc.detail}
    filters = {"action": action, "actor_id": actor_id, "since": since, "until": until}
    next_url = None
    if found.get("next_cursor"):
        kept = {k: v for k, v in filters.items() if v}
        next_url = "/admin/audit?" + urlencode({**kept, "cursor": found["next_cursor"]})
    return page.render(
        "admin/audit.html", events=found["items"], next_url=next_url, filters=filters,
        actions=KNOWN_ACTIONS, users=users, names={u["id"]: u["name"] for u in users},
        role_names={r["id"]: r["name"] for r in roles["items"]}, errors=errors,
        details={e["id"]: _details(e["details"]) for e in found["items"]},
    )  # fmt: skip
