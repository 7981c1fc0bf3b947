"""Whom a person picker offers (transfer to, assign to): the tenant's active colleagues from
identity's directory, which any staff member may read — unlike `/api/v1/users`, which
follows the caller's data scope and offers a manager without admin rights only themselves.
The same directory names the people a page shows (`user_names`)."""

import time
import uuid
from collections.abc import Iterable
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import Response

from crm_web.gateway import ApiError
from crm_web.pages.common import CurrentPage, Page

DIRECTORY = "/api/v1/users/directory"
DIRECTORY_PAGE = 200
# A select is filled with the first 200 by name (everyone in a small tenant, so it works
# without JavaScript); beyond that the picker's search field asks the directory by `q`.
DIRECTORY_PAGES = 1
CACHE_SECONDS = 60
SEARCH_LIMIT = 50
# The empty first option of each picker, by the `picker` the search field names.
PICKER_BLANKS = {"transfer": "bulk.owner", "assign": "pools.bulk.choose_user"}

router = APIRouter()


def choice_label(entry: dict[str, Any]) -> str:
    """Shown as name · department, so two colleagues with one name can be told apart."""
    department = entry.get("department_name")
    return f"{entry['name']} · {department}" if department else str(entry["name"])


async def _directory(page: Page) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = []
    params: dict[str, Any] = {"limit": DIRECTORY_PAGE}
    for _ in range(DIRECTORY_PAGES):
        found = await page.api("GET", DIRECTORY, params=params)
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


NAMES_KEY = "user_names"
NAMES_AT_ONCE = 200  # identity's limit for `ids`


def canonical_id(value: object) -> str | None:
    try:
        return str(uuid.UUID(str(value))) if value else None
    except ValueError:
        return None


async def user_names(page: Page, ids: Iterable[object]) -> dict[str, str]:
    """Names of the users a page shows (owners, uploaders, authors), whatever the caller's
    data scope and however large the tenant: one directory call (`ids=`) for those not looked
    up in the last minute. Disabled users keep their names; an id of no user of the tenant
    is left out, so the page shows its placeholder. The caller is always named."""
    session = page.signed_in
    now = time.monotonic()
    _, cached = session.cache.get(NAMES_KEY, (0.0, {}))
    known: dict[str, tuple[float, str | None]] = {
        k: v for k, v in cached.items() if now - v[0] <= CACHE_SECONDS
    }
    wanted = {i for i in map(canonical_id, ids) if i}
    missing = sorted(wanted - known.keys())
    try:
        for start in range(0, len(missing), NAMES_AT_ONCE):
            chunk = missing[start : start + NAMES_AT_ONCE]
            found = await page.api("GET", DIRECTORY, params={"ids": ",".join(chunk)})
            named = {str(e["id"]): str(e["name"]) for e in found["items"]}
            known.update((i, (now, named.get(i))) for i in chunk)
    except ApiError:
        pass  # placeholders this time; nothing cached, so the next page asks again
    session.cache[NAMES_KEY] = (now, known)
    names = {i: name for i in wanted if (name := known.get(i, (0.0, None))[1])}
    names[str(session.user.get("id"))] = str(session.user.get("name"))
    return names


@router.get("/people/choices")
async def search_choices(
    page: CurrentPage,
    people_q: Annotated[str, Query(max_length=100)] = "",
    picker: str = "",
) -> Response:
    """A picker's `<option>`s for what was typed in its search field (HTMX swaps them into
    the select): up to 50 colleagues whose name holds it; a single match comes chosen."""
    page.signed_in  # noqa: B018 - sends a visitor without a session to sign-in
    found = await page.api("GET", DIRECTORY, params={"q": people_q.strip(), "limit": SEARCH_LIMIT})
    choices = [(str(e["id"]), choice_label(e)) for e in found["items"]]
    return page.render(
        "people/_choices.html", choices=choices, more=bool(found.get("next_cursor")),
        blank=page.t(PICKER_BLANKS.get(picker, "people.choose")),
    )  # fmt: skip
