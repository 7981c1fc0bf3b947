"""The public pools (公海):
browse, claim, release with a reason, assign in bulk, and the countdown to reclaim."""

import asyncio
import datetime as dt
from collections.abc import Callable
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form
from fastapi.responses import RedirectResponse, Response

from crm_web.formatting import Formatter
from crm_web.gateway import ApiError
from crm_web.pages.common import CurrentPage, Page, redirect
from crm_web.pages.customers import dictionaries, labels_of
from crm_web.pages.people import people_choices
from crm_web.pages.pool_reclaim import countdown, parse_time

router = APIRouter()

MANAGE = "customers:pool_manage"
CLAIM = "customers:claim_from_pool"
PAGE_SIZE = 25
BULK_ACTIONS = ("assign", "discard", "restore")
# Refusals the pools API explains with a stable code (and the values it names).
REFUSALS = (
    "daily_claim_limit", "owned_limit", "claim_cooldown", "customer_not_in_pool",
    "customer_in_pool",
)  # fmt: skip


def refusal(page: Page, exc: ApiError) -> str:
    return refusal_text(exc, fmt=page.fmt, t=page.t)


def refusal_text(exc: ApiError, *, fmt: Formatter, t: Callable[..., str]) -> str:
    """The API's refusal in the reader's language where its code is known, else its words."""
    body = exc.body
    if exc.code in REFUSALS:
        until = fmt.datetime(body.get("until")) if body.get("until") else ""
        return t(
            f"pools.refused.{exc.code}",
            limit=body.get("limit", ""), owned=body.get("owned", ""), until=until,
        )  # fmt: skip
    if exc.status == 404:
        return t("pools.refused.not_found")
    if exc.status == 403:
        return t("pools.refused.forbidden")
    return exc.detail


def _numbers(body: dict[str, Any]) -> dict[str, object]:
    return {"limit": body.get("limit", ""), "owned": body.get("owned", "")}


def pool_url(pool_id: str, **params: str) -> str:
    query = urlencode({k: v for k, v in params.items() if v})
    return f"/pools/{pool_id}" + (f"?{query}" if query else "")


@router.get("/pools")
async def pool_list(page: CurrentPage) -> Response:
    page.signed_in  # noqa: B018 - sends a visitor without a session to sign-in
    found = await page.api("GET", "/api/v1/pools")
    return page.render("pools/list.html", pools=found["items"], manager=page.signed_in.can(MANAGE))


@router.get("/pools/{pool_id}")
async def pool_detail(
    page: CurrentPage,
    pool_id: str,
    q: str = "",
    cursor: str = "",
    view: str = "",
    done: str = "",
    n: int = 0,
) -> Response:
    page.signed_in  # noqa: B018
    notice = page.t(f"pools.done.{done}", n=n) if done in BULK_ACTIONS else ""
    return await _pool_page(page, pool_id, q=q, cursor=cursor, view=view, notice=notice)


async def _pool_page(
    page: Page,
    pool_id: str,
    *,
    q: str,
    cursor: str,
    view: str,
    notice: str = "",
    error: str = "",
    errors: dict[str, str] | None = None,
    values: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Response:
    manager = page.signed_in.can(MANAGE)
    trash = view == "trash" and manager
    params: dict[str, Any] = {"limit": PAGE_SIZE}
    if q.strip():
        params["filter"] = [f"name:contains:{q.strip()}"]
    if cursor:
        params["cursor"] = cursor
    listing = "trash" if trash else "customers"
    pool, users, dictionary = await asyncio.gather(
        page.api("GET", f"/api/v1/pools/{pool_id}"),
        people_choices(page) if manager else _nobody(),
        dictionaries(page),
    )
    try:
        result = await page.api("GET", f"/api/v1/pools/{pool_id}/{listing}", params=params)
    except ApiError as exc:
        if exc.status != 422:
            raise
        result, error = {"items": [], "next_cursor": None}, exc.detail
    view_name = "trash" if trash else ""
    return page.render(
        "pools/detail.html", pool=pool, result=result, manager=manager, trash=trash, q=q,
        users=users, names=labels_of(dictionary), notice=notice, error=error,
        errors=errors or {}, values=values or {},
        can_claim=page.signed_in.can(CLAIM) and not trash,
        next_url=pool_url(pool_id, q=q, view=view_name, cursor=result.get("next_cursor") or ""),
        first_url=pool_url(pool_id, q=q, view=view_name), cursor=cursor,
        status_code=status_code,
    )  # fmt: skip


async def _nobody() -> dict[str, str]:
    return {}


@router.post("/pools/{pool_id}/bulk")
async def pool_bulk(
    page: CurrentPage,
    pool_id: str,
    action: Annotated[str, Form()] = "",
    customer_ids: Annotated[list[str], Form()] = [],  # noqa: B006 - FastAPI copies defaults
    owner_id: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
    view: Annotated[str, Form()] = "",
    q: Annotated[str, Form()] = "",
) -> Response:
    """A pool manager's bulk move: assign to a user, discard to the trash, restore from it."""
    errors: dict[str, str] = {}
    if action not in BULK_ACTIONS:
        errors["action"] = page.t("pools.bulk.pick_action")
    if not customer_ids:
        errors["customer_ids"] = page.t("pools.bulk.pick_customers")
    if action == "assign" and not owner_id:
        errors["owner_id"] = page.t("pools.bulk.pick_user")
    if action == "discard" and not reason.strip():
        errors["reason"] = page.t("pools.bulk.need_reason")
    body: dict[str, Any] = {"customer_ids": customer_ids}
    if action == "assign":
        body["owner_id"] = owner_id
    if action == "discard":
        body["reason"] = reason.strip()
    error, status_code = "", 422
    if not errors:
        try:
            moved = await page.api("POST", f"/api/v1/pools/{pool_id}/{action}", json=body)
        except ApiError as exc:
            if exc.status not in (403, 409, 422):
                raise
            errors, error, status_code = exc.field_errors, refusal(page, exc), exc.status
            if exc.code == "owned_limit":  # the limit is the receiver's, not the manager's
                error = page.t("pools.refused.owned_limit_assign", **_numbers(exc.body))
        else:
            done = {"done": action, "n": str(moved["moved"]), "q": q, "view": view}
            return RedirectResponse(pool_url(pool_id, **done), status_code=303)
    values = {"owner_id": owner_id, "reason": reason, "action": action, "ids": customer_ids}
    return await _pool_page(
        page, pool_id, q=q, cursor="", view=view, error=error or page.t("pools.bulk.fix"),
        errors=errors, values=values, status_code=status_code,
    )  # fmt: skip


@router.post("/customers/{customer_id}/claim")
async def claim(
    page: CurrentPage,
    customer_id: str,
    pool_id: Annotated[str, Form()] = "",
) -> Response:
    """From a pool's list (HTMX swaps the row's action cell) or the customer's page."""
    try:
        await page.api("POST", f"/api/v1/customers/{customer_id}/claim")
    except ApiError as exc:
        if exc.status not in (403, 404, 409, 422):
            raise
        message = refusal(page, exc)
        if page.htmx and pool_id:
            return page.render(
                "pools/_claim_cell.html", customer_id=customer_id, pool_id=pool_id,
                claimed=False, message=message,
            )  # fmt: skip
        if page.htmx:
            return await _status_panel(page, customer_id, error=message)
        if pool_id:
            return await _pool_page(
                page, pool_id, q="", cursor="", view="", error=message, status_code=exc.status
            )
        return page.render("error.html", status_code=exc.status, message=message)
    if page.htmx and pool_id:
        return page.render(
            "pools/_claim_cell.html", customer_id=customer_id, pool_id=pool_id, claimed=True,
            message="",
        )  # fmt: skip
    return redirect(page, f"/customers/{customer_id}")


@router.get("/customers/{customer_id}/reclaim")
async def reclaim_status(page: CurrentPage, customer_id: str) -> Response:
    """The detail page's pool panel: the countdown and "release" for an owned customer, the
    pool and "claim" for a pooled one, nothing when neither applies."""
    page.signed_in  # noqa: B018
    return await _status_panel(page, customer_id)


async def _status_panel(
    page: Page,
    customer_id: str,
    *,
    error: str = "",
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    session = page.signed_in
    try:
        status, pools = await asyncio.gather(
            page.api("GET", f"/api/v1/customers/{customer_id}/reclaim"),
            page.api("GET", "/api/v1/pools"),
        )
    except ApiError:
        # Not ours to show (or pools unavailable): the slot stays empty.
        return page.render("pools/_status.html", show=False)
    if not isinstance(status, dict) or "pooled" not in status:  # e.g. a merged id's redirect
        return page.render("pools/_status.html", show=False)
    mine = status["owner_id"] is not None and status["owner_id"] == str(session.user.get("id"))
    manager = session.can(MANAGE)
    can_release = not status["pooled"] and status["owner_id"] is not None and (mine or manager)
    can_claim = status["pooled"] and session.can(CLAIM)
    timer = None
    if status["reclaim_at"] and (mine or manager):
        when = parse_time(status["reclaim_at"])
        timer = countdown(when, now=dt.datetime.now(dt.UTC), fmt=page.fmt, t=page.t)
    show = bool(status["pooled"] or can_release or timer)
    listed = pools["items"]
    default = next((p["id"] for p in listed if p["is_default"]), listed[0]["id"] if listed else "")
    return page.render(
        "pools/_status.html", show=show, status=status, timer=timer, can_release=can_release,
        can_claim=can_claim, pools=pools["items"], error=error, errors=errors or {},
        values=values or {"pool_id": status["pool_id"] or default}, customer_id=customer_id,
        open_form=bool(errors), status_code=status_code,
    )  # fmt: skip


@router.post("/customers/{customer_id}/release")
async def release(
    page: CurrentPage,
    customer_id: str,
    reason: Annotated[str, Form()] = "",
    pool_id: Annotated[str, Form()] = "",
) -> Response:
    values = {"reason": reason, "pool_id": pool_id}
    body: dict[str, Any] = {"reason": reason.strip()}
    if pool_id:
        body["pool_id"] = pool_id
    errors: dict[str, str] = {}
    if not reason.strip():
        errors["reason"] = page.t("pools.release.need_reason")
    else:
        try:
            await page.api("POST", f"/api/v1/customers/{customer_id}/release", json=body)
        except ApiError as exc:
            if exc.status not in (403, 409, 422):
                raise
            errors = exc.field_errors or {"reason": refusal(page, exc)}
    if not errors:
        return redirect(page, f"/customers/{customer_id}")
    if page.htmx:
        # HTMX swaps only 2xx answers: the form comes back with its reasons beside the fields.
        return await _status_panel(page, customer_id, errors=errors, values=values)
    return await _status_panel(page, customer_id, errors=errors, values=values, status_code=422)
