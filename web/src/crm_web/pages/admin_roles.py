"""Roles: a permission matrix (modules × actions), a data scope per module and field rules,
all read from identity's permission catalogue, so a module added there shows up here."""

import asyncio
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter
from fastapi.responses import RedirectResponse, Response

from crm_web.gateway import ApiError
from crm_web.pages.admin import require_admin
from crm_web.pages.common import CurrentPage, Page

router = APIRouter()

# Matrix columns: the verbs most modules share. Each module's other actions are listed in
# the row's last cell, so the table stays readable however many a module has.
COMMON_ACTIONS = ("view", "create", "update", "delete", "export", "import")
FIELD_ACCESS = ("read_only", "masked", "hidden")


@dataclass
class ModuleRow:
    module: str
    common: dict[str, str | None]  # column -> permission, None where the module lacks it
    other: list[str]
    fields: list[str]
    scopes: list[str]


def matrix_of(catalogue: list[dict[str, Any]]) -> list[ModuleRow]:
    rows = []
    for entry in catalogue:
        module = entry["module"]
        actions = [p.split(":", 1)[1] for p in entry["permissions"]]
        rows.append(
            ModuleRow(
                module=module,
                common={a: (f"{module}:{a}" if a in actions else None) for a in COMMON_ACTIONS},
                other=[f"{module}:{a}" for a in actions if a not in COMMON_ACTIONS],
                fields=list(entry.get("fields") or []),
                scopes=list(entry.get("scopes") or []),
            )
        )
    return rows


def role_body(form: Any, rows: list[ModuleRow]) -> dict[str, Any]:
    """The role as the API takes it. A module whose scope is left empty is not mentioned
    (identity reads that as `own`); a field left open has no rule."""
    scopes: dict[str, str] = {}
    rules: dict[str, dict[str, str]] = {}
    for row in rows:
        scope = str(form.get(f"scope.{row.module}") or "")
        if scope:
            scopes[row.module] = scope
        for name in row.fields:
            access = str(form.get(f"rule.{row.module}.{name}") or "")
            if access:
                rules.setdefault(row.module, {})[name] = access
    return {
        "name": str(form.get("name") or "").strip(),
        "description": str(form.get("description") or "").strip(),
        "permissions": sorted({str(p) for p in form.getlist("permissions")}),
        "scopes": scopes,
        "field_rules": rules,
    }


async def _catalogue(page: Page) -> list[ModuleRow]:
    return matrix_of(await page.api("GET", "/api/v1/permission-catalogue"))


@router.get("/admin/roles")
async def roles_page(page: CurrentPage) -> Response:
    require_admin(page)
    roles, users = await asyncio.gather(
        page.api("GET", "/api/v1/roles"), page.api("GET", "/api/v1/users", params={"limit": 200})
    )
    holders: dict[str, int] = {}
    for user in users["items"]:
        for role_id in user["role_ids"]:
            holders[str(role_id)] = holders.get(str(role_id), 0) + 1
    return page.render(
        "admin/roles.html", roles=roles["items"], holders=holders,
        can_edit=page.signed_in.can("identity:manage_roles"),
    )  # fmt: skip


async def _role_form(
    page: Page,
    *,
    role: dict[str, Any] | None,
    values: dict[str, Any],
    problem: ApiError | None = None,
    notice: str = "",
    status_code: int = 200,
) -> Response:
    rows = await _catalogue(page)
    errors = problem.field_errors if problem else {}
    if problem and problem.status == 409 and not errors:
        errors = {"name": problem.detail}  # a role of that name exists
    return page.render(
        "admin/role_form.html", role=role, values=values, rows=rows, problem=problem,
        errors=errors, notice=notice, status_code=status_code,
        common_actions=COMMON_ACTIONS, field_access=FIELD_ACCESS,
        can_edit=page.signed_in.can("identity:manage_roles"),
    )  # fmt: skip


EMPTY_ROLE: dict[str, Any] = {
    "name": "", "description": "", "permissions": [], "scopes": {}, "field_rules": {},
}  # fmt: skip


@router.get("/admin/roles/new")
async def new_role(page: CurrentPage) -> Response:
    require_admin(page)
    return await _role_form(page, role=None, values=dict(EMPTY_ROLE))


@router.post("/admin/roles/new")
async def create_role(page: CurrentPage) -> Response:
    form = await page.request.form()
    body = role_body(form, await _catalogue(page))
    try:
        created = await page.api("POST", "/api/v1/roles", json=body)
    except ApiError as exc:
        if exc.status not in (409, 422):
            raise
        return await _role_form(page, role=None, values=body, problem=exc, status_code=exc.status)
    return RedirectResponse(f"/admin/roles/{created['id']}?saved=1", status_code=303)


@router.get("/admin/roles/{role_id}")
async def role_page(page: CurrentPage, role_id: str, saved: str = "") -> Response:
    require_admin(page)
    role = await page.api("GET", f"/api/v1/roles/{role_id}")
    notice = page.t("admin.role_saved") if saved else ""
    return await _role_form(page, role=role, values=role, notice=notice)


@router.post("/admin/roles/{role_id}")
async def update_role(page: CurrentPage, role_id: str) -> Response:
    form = await page.request.form()
    body = role_body(form, await _catalogue(page))
    try:
        await page.api(
            "PATCH", f"/api/v1/roles/{role_id}", json=body,
            headers={"If-Match": f'"{form.get("version", "")}"'},
        )  # fmt: skip
    except ApiError as exc:
        if exc.status not in (409, 412, 422):
            raise
        role = await page.api("GET", f"/api/v1/roles/{role_id}")
        return await _role_form(
            page, role=role, values={**body, "version": form.get("version")}, problem=exc,
            status_code=exc.status,
        )  # fmt: skip
    return RedirectResponse(f"/admin/roles/{role_id}?saved=1", status_code=303)


@router.post("/admin/roles/{role_id}/delete")
async def delete_role(page: CurrentPage, role_id: str) -> Response:
    form = await page.request.form()
    try:
        await page.api(
            "DELETE", f"/api/v1/roles/{role_id}",
            headers={"If-Match": f'"{form.get("version", "")}"'},
        )  # fmt: skip
    except ApiError as exc:
        if exc.status not in (409, 412):
            raise
        role = await page.api("GET", f"/api/v1/roles/{role_id}")
        return await _role_form(page, role=role, values=role, problem=exc, status_code=exc.status)
    return RedirectResponse("/admin/roles", status_code=303)
