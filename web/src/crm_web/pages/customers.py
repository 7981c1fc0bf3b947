"""Customers: the list with its filter builder and saved views, the detail page with the
timeline and a quick follow-up, and the create and edit forms driven by custom fields."""

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query
from fastapi.responses import RedirectResponse, Response

from crm_web.gateway import ApiError
from crm_web.pages.common import CurrentPage, Page, redirect
from crm_web.pages.customer_columns import available_columns, chosen_columns, ordinary_views
from crm_web.pages.people import no_people, people_choices, user_names
from crm_web.pages.pool_reclaim import reclaim_badges

router = APIRouter()

# Standard fields the builder offers, with the kind of value each compares as.
STANDARD_FILTERS = {
    "name": "text", "kind": "text", "status": "text", "level": "text", "industry": "text",
    "source": "text", "province": "text", "city": "text", "phone": "text", "email": "text",
    "tags": "text", "owner_id": "user", "created_at": "datetime",
    "next_follow_up_at": "datetime", "last_follow_up_at": "datetime",
}  # fmt: skip
OPERATORS = ("contains", "eq", "ne", "starts_with", "in", "gt", "gte", "lt", "lte", "is_empty")
SORTABLE = ("name", "status", "level", "province", "created_at", "next_follow_up_at")
FORM_FIELDS = (
    "name", "short_name", "phone", "email", "website", "province", "city", "street", "notes",
)  # fmt: skip
DICTIONARIES = ("industry", "source", "level", "status", "tag")
FOLLOW_UP_KINDS = ("call", "visit", "email", "meeting", "wechat", "other")
LOOKUP_CACHE_SECONDS = 60


@dataclass
class Condition:
    field: str
    op: str
    value: str

    @property
    def expression(self) -> str:
        return f"{self.field}:{self.op}:{self.value}"


def conditions_of(fields: list[str], ops: list[str], values: list[str]) -> list[Condition]:
    rows = []
    for field, op, value in zip(fields, ops, values, strict=False):
        if field and op and (value or op == "is_empty"):
            rows.append(Condition(field, op, value or "true"))
    return rows


def parse_expressions(expressions: list[str]) -> list[Condition]:
    rows = []
    for expression in expressions:
        field, _, rest = expression.partition(":")
        op, _, value = rest.partition(":")
        rows.append(Condition(field, op, value))
    return rows


def list_url(conditions: list[Condition], *, sort: str | None, **extra: str) -> str:
    params: list[tuple[str, str]] = []
    for row in conditions:
        params += [("f", row.field), ("op", row.op), ("v", row.value)]
    if sort:
        params.append(("sort", sort))
    params += [(k, v) for k, v in extra.items() if v]
    return "/customers" + (f"?{urlencode(params)}" if params else "")


async def _cached(page: Page, key: str, load: Callable[[], Awaitable[Any]]) -> Any:
    """A look-up kept briefly in the session: lists show names, not ids, on every row."""
    session = page.signed_in
    loaded_at, value = session.cache.get(key, (0.0, None))
    if time.monotonic() - loaded_at > LOOKUP_CACHE_SECONDS:
        value = await load()
        session.cache[key] = (time.monotonic(), value)
    return value


async def dictionaries(page: Page) -> dict[str, list[dict[str, Any]]]:
    """The tenant's industries, sources, levels and statuses (key and label)."""

    async def load() -> dict[str, list[dict[str, Any]]]:
        found = await asyncio.gather(
            *(page.api("GET", f"/api/v1/categories/{kind}") for kind in DICTIONARIES)
        )
        return {kind: f["items"] for kind, f in zip(DICTIONARIES, found, strict=True)}

    items: dict[str, list[dict[str, Any]]] = await _cached(page, "dictionaries", load)
    return items


def labels_of(items: dict[str, list[dict[str, Any]]]) -> dict[str, dict[str, str]]:
    return {kind: {i["key"]: i["label"] for i in entries} for kind, entries in items.items()}


async def custom_fields(page: Page, entity: str = "customer") -> list[dict[str, Any]]:
    found = await page.api("GET", "/api/v1/custom-fields", params={"entity": entity})
    return sorted(found["items"], key=lambda f: (f["position"], f["label"]))


@router.get("/customers")
async def customer_list(
    page: CurrentPage,
    f: Annotated[list[str], Query()] = [],  # noqa: B006 - FastAPI copies query defaults
    op: Annotated[list[str], Query()] = [],  # noqa: B006
    v: Annotated[list[str], Query()] = [],  # noqa: B006
    sort: str | None = None,
    cursor: str | None = None,
    q: str = "",
) -> Response:
    page.signed_in  # noqa: B018 - sends a visitor without a session to sign-in
    conditions = conditions_of(f, op, v)
    filters = [row.expression for row in conditions]
    if q.strip():
        filters.append(f"name:contains:{q.strip()}")
    params: dict[str, Any] = {"filter": filters, "limit": 25}
    if sort:
        params["sort"] = sort
    if cursor:
        params["cursor"] = cursor
    error = ""
    fields, views, dictionary, people = await asyncio.gather(
        custom_fields(page),
        page.api("GET", "/api/v1/customers/views"),
        dictionaries(page),
        people_choices(page) if page.signed_in.can("customers:transfer") else no_people(),
    )
    try:
        result = await page.api("GET", "/api/v1/customers", params=params)
    except ApiError as exc:
        if exc.status != 422:
            raise
        result, error = {"items": [], "next_cursor": None, "total": 0}, exc.detail
    # Pools' countdown badges and the owners' names: one call each for this page's rows.
    reclaim, users = await asyncio.gather(
        reclaim_badges(page, [str(c["id"]) for c in result["items"]]),
        user_names(page, [c.get("owner_id") for c in result["items"]]),
    )
    filterable = {**STANDARD_FILTERS, **{f"custom.{x['key']}": x["type"] for x in fields}}
    labels = {f"custom.{x['key']}": x["label"] for x in fields}
    listed = [x for x in fields if x["shown_in_list"]]
    saved = [
        {"name": v["name"], "url": list_url(parse_expressions(v["filters"]), sort=v["sort"])}
        for v in ordinary_views(views["items"])
    ]
    me = page.signed_in.user.get("id")
    return page.render(
        "customers/list.html",
        result=result, conditions=conditions or [Condition("name", "contains", "")],
        filterable=filterable, labels=labels, operators=OPERATORS, sortable=SORTABLE,
        sort=sort or "", q=q, listed=listed, users=users, saved=saved, error=error,
        people=people,
        next_url=list_url(conditions, sort=sort, q=q, cursor=result.get("next_cursor") or ""),
        sort_url=lambda column: list_url(
            conditions, sort=column if sort != column else f"-{column}", q=q
        ),
        current_filters=filters, names=labels_of(dictionary),
        first_url=list_url(conditions, sort=sort, q=q), reclaim=reclaim,
        tags=[x for x in dictionary["tag"] if x.get("active", True)],
        columns=chosen_columns(views["items"], me, fields), all_columns=available_columns(fields),
    )  # fmt: skip


@router.post("/customers/views")
async def save_view(
    page: CurrentPage,
    name: Annotated[str, Form()] = "",
    filters: Annotated[list[str], Form()] = [],  # noqa: B006
    sort: Annotated[str, Form()] = "",
) -> Response:
    body = {"name": name.strip() or "-", "filters": filters, "sort": sort or None}
    await page.api("POST", "/api/v1/customers/views", json=body)
    return redirect(page, list_url(parse_expressions(filters), sort=sort or None))


@router.get("/customers/new")
async def new_customer(page: CurrentPage) -> Response:
    page.signed_in  # noqa: B018
    return await _form(page, values={"kind": "company", "custom": {}}, errors={}, customer=None)


@router.post("/customers/new")
async def create_customer(page: CurrentPage) -> Response:
    form = await page.request.form()
    fields = await custom_fields(page)
    body = _body_of(form, fields)
    if form.get("force") == "true":
        body["force"] = True
    try:
        created = await page.api("POST", "/api/v1/customers", json=body)
    except ApiError as exc:
        if exc.status not in (409, 422):
            raise
        return await _form(
            page, values=body, errors=exc.field_errors, customer=None, problem=exc,
            status_code=exc.status,
        )  # fmt: skip
    return RedirectResponse(f"/customers/{created['id']}", status_code=303)


@router.get("/customers/{customer_id}/edit")
async def edit_customer(page: CurrentPage, customer_id: str) -> Response:
    customer = await page.api("GET", f"/api/v1/customers/{customer_id}")
    return await _form(page, values=customer, errors={}, customer=customer)


@router.post("/customers/{customer_id}/edit")
async def update_customer(page: CurrentPage, customer_id: str) -> Response:
    form = await page.request.form()
    customer = await page.api("GET", f"/api/v1/customers/{customer_id}")
    fields = await custom_fields(page)
    body = _body_of(form, fields, editing=customer)
    body.pop("kind", None)
    try:
        await page.api(
            "PATCH", f"/api/v1/customers/{customer_id}", json=body,
            headers={"If-Match": f'"{form.get("version", "")}"'},
        )  # fmt: skip
    except ApiError as exc:
        if exc.status not in (409, 412, 422):
            raise
        values = {**customer, **body, "version": form.get("version")}
        return await _form(
            page, values=values, errors=exc.field_errors, customer=customer, problem=exc,
            status_code=exc.status,
        )  # fmt: skip
    return RedirectResponse(f"/customers/{customer_id}", status_code=303)


@router.get("/customers/{customer_id}")
async def customer_detail(page: CurrentPage, customer_id: str) -> Response:
    page.signed_in  # noqa: B018
    customer, contacts, timeline, fields, dictionary, contact_fields = await asyncio.gather(
        page.api("GET", f"/api/v1/customers/{customer_id}"),
        page.api("GET", f"/api/v1/customers/{customer_id}/contacts"),
        page.api("GET", f"/api/v1/customers/{customer_id}/timeline"),
        custom_fields(page),
        dictionaries(page),
        custom_fields(page, "contact"),
    )
    users = await user_names(page, shown_people(customer, timeline["items"]))
    return page.render(
        "customers/detail.html", customer=customer, contacts=contacts["items"],
        timeline=timeline["items"], fields=fields, users=users, kinds=FOLLOW_UP_KINDS,
        errors={}, values={}, names=labels_of(dictionary), contact_fields=contact_fields,
    )  # fmt: skip


@router.post("/customers/{customer_id}/follow-ups")
async def add_follow_up(
    page: CurrentPage,
    customer_id: str,
    kind: Annotated[str, Form()] = "call",
    content: Annotated[str, Form()] = "",
    next_follow_up_at: Annotated[str, Form()] = "",
) -> Response:
    body: dict[str, Any] = {"kind": kind, "content": content.strip()}
    if next_follow_up_at:
        # A date picked in the tenant's zone means 09:00 there that day.
        body["next_follow_up_at"] = f"{next_follow_up_at}T09:00:00{_offset(page)}"
    errors: dict[str, str] = {}
    try:
        await page.api("POST", f"/api/v1/customers/{customer_id}/follow-ups", json=body)
    except ApiError as exc:
        if exc.status != 422:
            raise
        errors = exc.field_errors or {"content": exc.detail}
    if not page.htmx and not errors:
        return RedirectResponse(f"/customers/{customer_id}", status_code=303)
    customer, timeline, fields, dictionary = await asyncio.gather(
        page.api("GET", f"/api/v1/customers/{customer_id}"),
        page.api("GET", f"/api/v1/customers/{customer_id}/timeline"),
        custom_fields(page),
        dictionaries(page),
    )
    users = await user_names(page, shown_people(customer, timeline["items"]))
    # The timeline, and out of band the record card (its next follow-up date changed).
    return page.render(
        "customers/_activity.html", customer=customer, timeline=timeline["items"],
        kinds=FOLLOW_UP_KINDS, errors=errors, values=body if errors else {}, users=users,
        fields=fields, names=labels_of(dictionary), oob=not errors,
        status_code=422 if errors else 200,
    )  # fmt: skip


def shown_people(customer: dict[str, Any], timeline: list[dict[str, Any]]) -> list[Any]:
    """Whom the customer page names: the owner and the timeline's authors."""
    return [customer.get("owner_id"), *(entry.get("created_by") for entry in timeline)]


def _offset(page: Page) -> str:
    offset = datetime.now(page.fmt.zone).strftime("%z")
    return f"{offset[:3]}:{offset[3:]}"


def _body_of(
    form: Any, fields: list[dict[str, Any]], editing: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The API body from the posted form: standard fields, then each custom field as its type."""
    body: dict[str, Any] = {}
    if editing is None:
        body["kind"] = form.get("kind") or "company"
    for name in FORM_FIELDS + DICTIONARIES:
        value = str(form.get(name) or "").strip()
        if editing is None and not value:
            continue
        if editing is not None and name in ("phone", "email"):
            # The record holds lists; an unchanged first entry is left alone.
            current = (editing.get(f"{name}s") or [None])[0]
            if value == (current or "") or name in editing.get("masked_fields", []):
                continue
            body[f"{name}s"] = [value, *(editing.get(f"{name}s") or [])[1:]] if value else []
            continue
        body[name] = value or None
    tags = str(form.get("tags") or "").strip()
    if tags or editing is not None:
        body["tags"] = [t.strip() for t in tags.replace("，", ",").split(",") if t.strip()]
    custom = custom_values(form, fields, editing=editing is not None)
    if custom:
        body["custom"] = custom
    return body


def custom_values(form: Any, fields: list[dict[str, Any]], *, editing: bool) -> dict[str, Any]:
    """Each custom field's posted input as its type (customer and contact forms alike); when
    editing, an emptied input clears the value."""
    custom: dict[str, Any] = {}
    for field in fields:
        key, kind = field["key"], field["type"]
        name = f"custom.{key}"
        if kind == "checkbox":
            custom[key] = form.get(name) == "true"
        elif kind == "multi_select":
            custom[key] = [str(x) for x in form.getlist(name)]
        else:
            raw = str(form.get(name) or "").strip()
            if raw == "":
                if editing:
                    custom[key] = None
                continue
            custom[key] = _typed(kind, raw)
    return custom


def _typed(kind: str, raw: str) -> Any:
    if kind == "number":
        try:
            number = float(raw)
        except ValueError:
            return raw  # the API names the field and says why
        return int(number) if number.is_integer() and "." not in raw else number
    return raw


async def _form(
    page: Page,
    *,
    values: dict[str, Any],
    errors: dict[str, str],
    customer: dict[str, Any] | None,
    problem: ApiError | None = None,
    status_code: int = 200,
) -> Response:
    fields, dictionary = await asyncio.gather(custom_fields(page), dictionaries(page))
    options = {
        kind: [item for item in items if item.get("active", True)]
        for kind, items in dictionary.items()
    }
    duplicates = problem.body.get("existing", []) if problem and problem.status == 409 else []
    return page.render(
        "customers/form.html", values=values, errors=errors, customer=customer, fields=fields,
        options=options, problem=problem, duplicates=duplicates, status_code=status_code,
        can_force=page.signed_in.can("customers:force_create"),
    )  # fmt: skip
