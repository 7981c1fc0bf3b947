"""Administration: the department tree and users. Roles live in `admin_roles`, the audit log in
`admin_audit`; all three are for users holding one of `ADMIN_PERMISSIONS`, and identity
refuses every write the caller may not make whatever the page shows."""

import asyncio
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import APIRouter, Form
from fastapi.responses import RedirectResponse, Response

from crm_web.gateway import ApiError
from crm_web.pages.common import CurrentPage, Page

router = APIRouter()

ADMIN_PERMISSIONS = (
    "identity:manage_org",
    "identity:manage_users",
    "identity:manage_roles",
    "identity:view_audit",
)
USER_FIELDS = ("name", "email", "department_id", "position_id", "manager_id")


def is_admin(page: Page) -> bool:
    session = page.session
    return session is not None and any(session.can(p) for p in ADMIN_PERMISSIONS)


def require_admin(page: Page) -> None:
    """Not an admin: the same 403 page identity's answer would give."""
    page.signed_in  # noqa: B018 - sends a visitor without a session to sign-in
    if not is_admin(page):
        raise ApiError(403, {"code": "permission_denied"})


@router.get("/admin")
async def admin_home(page: CurrentPage) -> Response:
    require_admin(page)
    session = page.signed_in
    for permission, url in (
        ("identity:manage_org", "/admin/departments"),
        ("identity:manage_users", "/admin/users"),
        ("identity:manage_roles", "/admin/roles"),
        ("identity:view_audit", "/admin/audit"),
    ):
        if session.can(permission):
            return RedirectResponse(url, status_code=303)
    return RedirectResponse("/", status_code=303)


# ---------------------------------------------------------------------------- departments


@dataclass
class Node:
    department: dict[str, Any]
    children: list["Node"] = field(default_factory=list)
    depth: int = 0
    users: int = 0

    @property
    def id(self) -> str:
        return str(self.department["id"])


def department_tree(departments: list[dict[str, Any]]) -> list[Node]:
    """Roots with their children, siblings by `sort_order` then name; a department whose
    parent is missing is shown as a root rather than lost."""
    nodes = {str(d["id"]): Node(d) for d in departments}
    roots: list[Node] = []
    for node in nodes.values():
        parent = nodes.get(str(node.department.get("parent_id") or ""))
        (parent.children if parent else roots).append(node)

    def order(items: list[Node], depth: int) -> None:
        items.sort(key=lambda n: (n.department.get("sort_order") or 0, n.department["name"]))
        for item in items:
            item.depth = depth
            order(item.children, depth + 1)

    order(roots, 0)
    return roots


def flatten(roots: list[Node]) -> list[Node]:
    flat: list[Node] = []
    for node in roots:
        flat.append(node)
        flat.extend(flatten(node.children))
    return flat


def descendants(node: Node) -> set[str]:
    found = {node.id}
    for child in node.children:
        found |= descendants(child)
    return found


async def _departments(page: Page) -> list[dict[str, Any]]:
    found = await page.api("GET", "/api/v1/departments")
    return list(found["items"])


async def all_users(page: Page) -> list[dict[str, Any]]:
    """Every user the caller sees, following the cursor (a tenant's staff is small)."""
    users: list[dict[str, Any]] = []
    cursor: str | None = None
    for _ in range(20):
        params: dict[str, Any] = {"limit": 200}
        if cursor:
            params["cursor"] = cursor
        found = await page.api("GET", "/api/v1/users", params=params)
        users.extend(found["items"])
        cursor = found.get("next_cursor")
        if not cursor:
            break
    return users


async def _department_page(
    page: Page,
    *,
    errors: dict[str, dict[str, str]] | None = None,
    values: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    departments, users = await asyncio.gather(_departments(page), all_users(page))
    roots = department_tree(departments)
    flat = flatten(roots)
    counts: dict[str, int] = {}
    for user in users:
        key = str(user.get("department_id") or "")
        counts[key] = counts.get(key, 0) + 1
    for node in flat:
        node.users = counts.get(node.id, 0)
    # Where each department may move: anywhere but itself and below it.
    targets = {node.id: [n for n in flat if n.id not in descendants(node)] for node in flat}
    return page.render(
        "admin/departments.html", roots=roots, flat=flat, targets=targets,
        errors=errors or {}, values=values or {}, status_code=status_code,
        can_edit=page.signed_in.can("identity:manage_org"),
    )  # fmt: skip


@router.get("/admin/departments")
async def departments_page(page: CurrentPage) -> Response:
    require_admin(page)
    return await _department_page(page)


async def _department_write(
    page: Page, form_key: str, values: dict[str, str], call: Any
) -> Response:
    """Run a write; a refusal shows the tree again with the reasons beside that form."""
    try:
        await call
    except ApiError as exc:
        if exc.status not in (409, 412, 422):
            raise
        reasons = exc.field_errors or {"": exc.detail}
        if exc.status == 412:
            reasons = {"": page.t("admin.stale")}
        return await _department_page(
            page, errors={form_key: reasons}, values=values, status_code=exc.status
        )
    return RedirectResponse("/admin/departments", status_code=303)


@router.post("/admin/departments")
async def create_department(
    page: CurrentPage,
    name: Annotated[str, Form()] = "",
    parent_id: Annotated[str, Form()] = "",
) -> Response:
    body: dict[str, Any] = {"name": name.strip(), "parent_id": parent_id or None}
    form_key = f"new:{parent_id}"
    return await _department_write(
        page, form_key, {"name": name}, page.api("POST", "/api/v1/departments", json=body)
    )


@router.post("/admin/departments/{department_id}/rename")
async def rename_department(
    page: CurrentPage,
    department_id: str,
    name: Annotated[str, Form()] = "",
    version: Annotated[str, Form()] = "",
) -> Response:
    call = page.api(
        "PATCH", f"/api/v1/departments/{department_id}", json={"name": name.strip()},
        headers={"If-Match": f'"{version}"'},
    )  # fmt: skip
    return await _department_write(page, f"rename:{department_id}", {"name": name}, call)


@router.post("/admin/departments/{department_id}/move")
async def move_department(
    page: CurrentPage,
    department_id: str,
    parent_id: Annotated[str, Form()] = "",
    version: Annotated[str, Form()] = "",
) -> Response:
    """Both the "move to" select and drag and drop (admin.js submits this same form)."""
    call = page.api(
        "PATCH", f"/api/v1/departments/{department_id}", json={"parent_id": parent_id or None},
        headers={"If-Match": f'"{version}"'},
    )  # fmt: skip
    return await _department_write(page, f"move:{department_id}", {}, call)


@router.post("/admin/departments/{department_id}/delete")
async def delete_department(
    page: CurrentPage, department_id: str, version: Annotated[str, Form()] = ""
) -> Response:
    call = page.api(
        "DELETE", f"/api/v1/departments/{department_id}", headers={"If-Match": f'"{version}"'}
    )
    return await _department_write(page, f"delete:{department_id}", {}, call)


# ---------------------------------------------------------------------------------- users


async def _choices(page: Page) -> dict[str, Any]:
    """What the user forms offer: departments (as a tree), positions, managers, roles."""
    departments, positions, roles, users = await asyncio.gather(
        _departments(page),
        page.api("GET", "/api/v1/positions"),
        page.api("GET", "/api/v1/roles"),
        all_users(page),
    )
    return {
        "departments": flatten(department_tree(departments)),
        "positions": positions["items"],
        "roles": roles["items"],
        "managers": [u for u in users if u["status"] == "active"],
    }


@router.get("/admin/users")
async def users_page(
    page: CurrentPage, department_id: str = "", status: str = "", cursor: str = ""
) -> Response:
    require_admin(page)
    params: dict[str, Any] = {"limit": 50}
    for name, value in (("department_id", department_id), ("status", status), ("cursor", cursor)):
        if value:
            params[name] = value
    found, choices = await asyncio.gather(
        page.api("GET", "/api/v1/users", params=params), _choices(page)
    )
    return page.render(
        "admin/users.html", users=found["items"], next_cursor=found.get("next_cursor"),
        department_id=department_id, status=status,
        department_names={n.id: n.department["name"] for n in choices["departments"]},
        role_names={str(r["id"]): r["name"] for r in choices["roles"]}, **choices,
        can_edit=page.signed_in.can("identity:manage_users"),
    )  # fmt: skip


def _user_body(form: Any) -> dict[str, Any]:
    body: dict[str, Any] = {}
    for name in USER_FIELDS:
        value = str(form.get(name) or "").strip()
        body[name] = value or None
    body["role_ids"] = [str(x) for x in form.getlist("role_ids")]
    return body


async def _user_form(
    page: Page,
    *,
    user: dict[str, Any] | None,
    values: dict[str, Any],
    errors: dict[str, str],
    problem: ApiError | None = None,
    notice: str = "",
    status_code: int = 200,
) -> Response:
    choices = await _choices(page)
    return page.render(
        "admin/user_form.html", user=user, values=values, errors=errors, problem=problem,
        notice=notice, status_code=status_code, **choices,
    )  # fmt: skip


@router.get("/admin/users/new")
async def new_user(page: CurrentPage, department_id: str = "") -> Response:
    require_admin(page)
    values = {"department_id": department_id, "role_ids": []}
    return await _user_form(page, user=None, values=values, errors={})


@router.post("/admin/users/new")
async def create_user(page: CurrentPage) -> Response:
    form = await page.request.form()
    body = _user_body(form)
    body["password"] = str(form.get("password") or "")
    try:
        created = await page.api("POST", "/api/v1/users", json=body)
    except ApiError as exc:
        if exc.status not in (409, 422):
            raise
        values = {**body, "password": ""}
        errors = exc.field_errors or ({"email": exc.detail} if exc.status == 409 else {})
        return await _user_form(
            page, user=None, values=values, errors=errors, problem=exc, status_code=exc.status
        )
    return RedirectResponse(f"/admin/users/{created['id']}?created=1", status_code=303)


@router.get("/admin/users/{user_id}")
async def user_page(page: CurrentPage, user_id: str, created: str = "", done: str = "") -> Response:
    require_admin(page)
    user = await page.api("GET", f"/api/v1/users/{user_id}")
    notice = page.t("admin.user_created") if created else ""
    if done in ("saved", "disabled", "enabled", "password"):
        notice = page.t(f"admin.done.{done}")
    return await _user_form(page, user=user, values=user, errors={}, notice=notice)


@router.post("/admin/users/{user_id}")
async def update_user(page: CurrentPage, user_id: str) -> Response:
    form = await page.request.form()
    body = _user_body(form)
    try:
        await page.api(
            "PATCH", f"/api/v1/users/{user_id}", json=body,
            headers={"If-Match": f'"{form.get("version", "")}"'},
        )  # fmt: skip
    except ApiError as exc:
        if exc.status not in (409, 412, 422):
            raise
        user = await page.api("GET", f"/api/v1/users/{user_id}")
        values = {**user, **body}
        errors = exc.field_errors or ({"email": exc.detail} if exc.status == 409 else {})
        return await _user_form(
            page, user=user, values=values, errors=errors, problem=exc, status_code=exc.status
        )
    return RedirectResponse(f"/admin/users/{user_id}?done=saved", status_code=303)


@router.post("/admin/users/{user_id}/status")
async def set_user_status(
    page: CurrentPage, user_id: str, action: Annotated[str, Form()] = ""
) -> Response:
    if action not in ("disable", "enable"):
        raise ApiError(422, {"code": "invalid_input", "detail": "action"})
    try:
        await page.api("POST", f"/api/v1/users/{user_id}/{action}")
    except ApiError as exc:
        if exc.status != 422:
            raise
        user = await page.api("GET", f"/api/v1/users/{user_id}")
        reason = exc.field_errors.get("status") or exc.detail
        return await _user_form(
            page, user=user, values=user, errors={"status": reason}, problem=exc, status_code=422
        )
    return RedirectResponse(f"/admin/users/{user_id}?done={action}d", status_code=303)


@router.post("/admin/users/{user_id}/password")
async def reset_password(
    page: CurrentPage, user_id: str, new_password: Annotated[str, Form()] = ""
) -> Response:
    try:
        await page.api(
            "POST", f"/api/v1/users/{user_id}/password", json={"new_password": new_password}
        )
    except ApiError as exc:
        if exc.status != 422:
            raise
        user = await page.api("GET", f"/api/v1/users/{user_id}")
        reason = exc.field_errors.get("new_password") or exc.detail
        return await _user_form(
            page, user=user, values=user, errors={"new_password": reason}, status_code=422
        )
    return RedirectResponse(f"/admin/users/{user_id}?done=password", status_code=303)
