"""Contacts on the customer page: add inline, edit in place, delete after a confirmation.

Every action answers the whole contacts panel (HTMX swaps it): a `422` keeps the form open
with each reason beside its field, `409 customer_in_pool` and `412` say why nothing changed."""

import re
from collections.abc import Sequence
from typing import Any

from fastapi import APIRouter
from fastapi.responses import RedirectResponse, Response

from crm_web.gateway import ApiError
from crm_web.pages.common import CurrentPage, Page
from crm_web.pages.customers import custom_fields, custom_values

router = APIRouter()

TEXT_FIELDS = ("name", "title", "role", "email", "wechat", "birthday", "notes")
PHONE_SEPARATORS = re.compile(r"[,，;；、\n]+")


def contact_body(
    form: Any, current: dict[str, Any] | None = None, *, fields: Sequence[dict[str, Any]] = ()
) -> dict[str, Any]:
    """The API body from the form; when editing only what changed, so a masked phone or
    email shown to the editor is never written back. `fields`: the contact custom fields."""
    body: dict[str, Any] = {}
    for name in TEXT_FIELDS:
        value = str(form.get(name) or "").strip()
        if current is None:
            if value:
                body[name] = value
        elif value != str(current.get(name) or ""):
            body[name] = value or None
    phones = [p.strip() for p in PHONE_SEPARATORS.split(str(form.get("phones") or ""))]
    phones = [p for p in phones if p]
    if current is None:
        if phones:
            body["phones"] = phones
    elif phones != list(current.get("phones") or []):
        body["phones"] = phones
    primary = form.get("is_primary") == "true"
    if (current is None and primary) or (current is not None and primary != current["is_primary"]):
        body["is_primary"] = primary
    custom = custom_values(form, list(fields), editing=current is not None)
    if current is not None:
        stored = current.get("custom") or {}
        custom = {k: v for k, v in custom.items() if v != stored.get(k)}
    if custom:
        body["custom"] = custom
    return body


def form_values(form: Any, fields: list[dict[str, Any]]) -> dict[str, Any]:
    values: dict[str, Any] = {name: str(form.get(name) or "") for name in TEXT_FIELDS}
    values["phones"] = str(form.get("phones") or "")
    values["is_primary"] = form.get("is_primary") == "true"
    values["custom"] = custom_values(form, fields, editing=False)
    return values


async def panel(
    page: Page,
    customer_id: str,
    *,
    editing: str = "",
    adding: bool = False,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    notice: str = "",
) -> Response:
    customer = await page.api("GET", f"/api/v1/customers/{customer_id}")
    contacts = await page.api("GET", f"/api/v1/customers/{customer_id}/contacts")
    return page.render(
        "customers/_contacts.html", customer=customer, contacts=contacts["items"],
        editing=editing, adding=adding, values=values or {}, errors=errors or {},
        notice=notice, contact_fields=await custom_fields(page, "contact"),
    )  # fmt: skip


def _refusal(page: Page, exc: ApiError) -> tuple[dict[str, str], str]:
    """Field errors and a notice for a refused write; anything else is the error page's."""
    if exc.status == 422:
        errors = exc.field_errors
        return errors, "" if errors else exc.detail
    if exc.status == 409 and exc.code == "customer_in_pool":
        return {}, page.t("contactform.pooled")
    if exc.status == 412:
        return {}, page.t("contactform.stale")
    if exc.status in (403, 409):
        return {}, exc.detail
    raise exc


def _done(page: Page, customer_id: str) -> Response | None:
    if not page.htmx:
        return RedirectResponse(f"/customers/{customer_id}", status_code=303)
    return None


@router.get("/customers/{customer_id}/contacts/panel")
async def contacts_panel(page: CurrentPage, customer_id: str) -> Response:
    return await panel(page, customer_id)


@router.post("/customers/{customer_id}/contacts")
async def add_contact(page: CurrentPage, customer_id: str) -> Response:
    form = await page.request.form()
    fields = await custom_fields(page, "contact")
    body = contact_body(form, fields=fields)
    if not body.get("name"):
        errors = {"name": page.t("contactform.name_required")}
        values = form_values(form, fields)
        return await panel(page, customer_id, adding=True, values=values, errors=errors)
    try:
        await page.api("POST", f"/api/v1/customers/{customer_id}/contacts", json=body)
    except ApiError as exc:
        errors, notice = _refusal(page, exc)
        return await panel(
            page, customer_id, adding=True, values=form_values(form, fields), errors=errors,
            notice=notice,
        )  # fmt: skip
    return _done(page, customer_id) or await panel(page, customer_id)


@router.get("/customers/{customer_id}/contacts/{contact_id}/edit")
async def edit_contact(page: CurrentPage, customer_id: str, contact_id: str) -> Response:
    return await panel(page, customer_id, editing=contact_id)


@router.post("/customers/{customer_id}/contacts/{contact_id}/edit")
async def update_contact(page: CurrentPage, customer_id: str, contact_id: str) -> Response:
    form = await page.request.form()
    current = await page.api("GET", f"/api/v1/contacts/{contact_id}")
    fields = await custom_fields(page, "contact")
    body = contact_body(form, current, fields=fields)
    if "name" in body and not body["name"]:
        errors = {"name": page.t("contactform.name_required")}
        return await panel(
            page, customer_id, editing=contact_id, values=form_values(form, fields), errors=errors
        )
    if body:
        try:
            await page.api(
                "PATCH", f"/api/v1/contacts/{contact_id}", json=body,
                headers={"If-Match": f'"{form.get("version", "")}"'},
            )  # fmt: skip
        except ApiError as exc:
            errors, notice = _refusal(page, exc)
            return await panel(
                page, customer_id, editing=contact_id, values=form_values(form, fields),
                errors=errors, notice=notice,
            )  # fmt: skip
    return _done(page, customer_id) or await panel(page, customer_id)


@router.post("/customers/{customer_id}/contacts/{contact_id}/delete")
async def delete_contact(page: CurrentPage, customer_id: str, contact_id: str) -> Response:
    try:
        await page.api("DELETE", f"/api/v1/contacts/{contact_id}")
    except ApiError as exc:
        _, notice = _refusal(page, exc)
        return await panel(page, customer_id, notice=notice)
    return _done(page, customer_id) or await panel(page, customer_id)
