"""The columns a user chooses for the customer list, and their order, remembered per user as a
private saved view with a reserved name (saved views already carry `columns`, in order), left
out of the view chips. The chooser lists the chosen columns first, in order; its up/down
buttons move a column (columns.js in the page, or a post with `move` without JavaScript)."""

from typing import Annotated, Any

from fastapi import APIRouter, Form
from fastapi.responses import Response

from crm_web.pages.common import CurrentPage, redirect, safe_next

router = APIRouter()

COLUMNS_VIEW = "~columns"
STANDARD_COLUMNS = (
    "status", "level", "phone", "province", "owner_id", "next_follow_up_at",
    "industry", "source", "tags", "created_at",
)  # fmt: skip
DEFAULT_COLUMNS = STANDARD_COLUMNS[:6]


def columns_view(views: list[dict[str, Any]], user_id: object) -> dict[str, Any] | None:
    for view in views:
        if view["name"] == COLUMNS_VIEW and str(view["owner_id"]) == str(user_id):
            return view
    return None


def ordinary_views(views: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [v for v in views if v["name"] != COLUMNS_VIEW]


def available_columns(fields: list[dict[str, Any]]) -> list[str]:
    return [*STANDARD_COLUMNS, *(f"custom.{f['key']}" for f in fields)]


def moved(columns: list[str], move: str) -> list[str]:
    """`columns` with one moved a place: `move` is `up:<column>` or `down:<column>`."""
    direction, _, column = move.partition(":")
    if column not in columns or direction not in ("up", "down"):
        return columns
    order = list(columns)
    at = order.index(column)
    to = at - 1 if direction == "up" else at + 1
    if 0 <= to < len(order):
        order[at], order[to] = order[to], order[at]
    return order


def chosen_columns(
    views: list[dict[str, Any]], user_id: object, fields: list[dict[str, Any]]
) -> list[str]:
    """The user's remembered columns still known (a deleted custom field drops out), else
    the standard ones and the custom fields marked to show in lists."""
    known = available_columns(fields)
    view = columns_view(views, user_id)
    if view is not None:
        return [c for c in view["columns"] if c in known]
    return [*DEFAULT_COLUMNS, *(f"custom.{f['key']}" for f in fields if f["shown_in_list"])]


@router.post("/customers/columns")
async def save_columns(
    page: CurrentPage,
    columns: Annotated[list[str], Form()] = [],  # noqa: B006 - FastAPI copies form defaults
    back: Annotated[str, Form()] = "/customers",
    move: Annotated[str, Form()] = "",
) -> Response:
    session = page.signed_in
    views = (await page.api("GET", "/api/v1/customers/views"))["items"]
    chosen = moved(list(dict.fromkeys(c for c in columns if c)), move)
    view = columns_view(views, session.user.get("id"))
    if view is None:
        body = {"name": COLUMNS_VIEW, "columns": chosen, "shared": False}
        await page.api("POST", "/api/v1/customers/views", json=body)
    else:
        await page.api(
            "PATCH", f"/api/v1/customers/views/{view['id']}", json={"columns": chosen},
            headers={"If-Match": f'"{view["version"]}"'},
        )  # fmt: skip
    target = safe_next(back, "/customers")
    target = target if target.startswith("/customers") else "/customers"
    if move:  # moved without JavaScript: back with the chooser open, to move on
        target += ("&" if "?" in target else "?") + "columns=open"
    return redirect(page, target)
