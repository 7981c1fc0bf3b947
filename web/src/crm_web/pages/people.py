"""Whom a person picker offers (transfer to, assign to): the tenant's active colleagues from
identity's directory, which any staff member may read — unlike `/api/v1/users`, which
follows the caller's data scope and offers a manager without admin rights only themselves."""

import time
from typing import Any

from crm_web.gateway import ApiError
from crm_web.pages.common import Page

DIRECTORY_PAGE = 200
DIRECTORY_PAGES = 5  # a select with more than a thousand names is no longer a picker
CACHE_SECONDS = 60


def choice_label(entry: dict[str, Any]) -> str:
    """Shown as name · department, so two colleagues with one name can be told apart."""
    department = entry.get("department_name")
    return f"{entry['name']} · {department}" if department else str(entry["name"])


async def _directory(page: Page) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = []
    params: dict[str, Any] = {"limit": DIRECTORY_PAGE}
    for _ in range(DIRECTORY_PAGES):
        found = await page.api("GET", "/api/v1/users/directory", params=params)
        entries += found["items"]
        if not found.get("next_cursor"):
            break
        params["cursor"] = found["next_cursor"]
    return entries


async def people_choices(page: Page) -> dict[str, str]:
    """Colleague id → label, kept briefly in the session like the list's other look-ups; the
    caller is always among them (even if the directory could not be read)."""
    session = page.signed_in
    loaded_at, choices = session.cache.get("people", (0.0, None))
    if choices is None or time.monotonic() - loaded_at > CACHE_SECONDS:
        try:
            choices = {str(e["id"]): choice_label(e) for e in await _directory(page)}
        except ApiError as exc:
            if exc.status >= 500:
                raise
            choices = {}
        choices.setdefault(str(session.user.get("id")), str(session.user.get("name")))
        session.cache["people"] = (time.monotonic(), choices)
    found: dict[str, str] = choices
    return found


async def no_people() -> dict[str, str]:
    return {}
