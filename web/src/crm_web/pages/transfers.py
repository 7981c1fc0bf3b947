"""Import wizard (upload, mapping with a preview, progress, the row report) and exports with
progress, over the customers service's `imports` and `exports` API.

Export form contract (the list header's "Export" button and the list's bulk action post it):
`POST /exports`, form-encoded, fields
- `csrf_token` (required, as every form);
- `format`: `csv` (default) or `xlsx`;
- the list's filter exactly as its query string carries it: repeated `f`, `op`, `v` (one
  condition per position, see `customers.conditions_of`), optional `q` (name contains) and
  `sort`;
- optional repeated `ids`: only these customers (sent as the filter `id:in:<id>,<id>…`, ANDed
  with the conditions).
It answers `303` to `/exports/{id}`, the progress page, whose download link is
`/exports/{id}/file` (proxied: the token never reaches the browser). A refused export (`403`
without `customers:export`, `422` for a bad filter) is shown on an error page.
"""

import csv
import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, File, Form, UploadFile
from fastapi.responses import Response

from crm_web.gateway import ApiError, field_reason
from crm_web.pages.common import CurrentPage, Page, redirect
from crm_web.pages.customers import conditions_of

router = APIRouter()

# The customers service refuses larger files (CRM_CUSTOMERS_IMPORT_MAX_BYTES, 50 MB); the
# gateway lets at most 60 MB through on /imports.
UPLOAD_MAX_BYTES = 50 * 1024 * 1024
ON_DUPLICATE = ("skip", "update", "create")
# What a column can fill (the API's list; custom fields come from the tenant).
STANDARD_TARGETS = (
    "name", "kind", "short_name", "phone", "email", "website", "province", "city", "district",
    "street", "latitude", "longitude", "industry", "scale", "source", "level", "status", "tags",
    "credit_rating", "birthday", "notes",
)  # fmt: skip
CONTACT_TARGETS = ("name", "title", "role", "phone", "email", "wechat", "birthday", "notes")
# The finished page lists the rows not imported this many at a time ("more" adds a page).
REPORT_PAGE_ROWS = 50
FINISHED = ("done", "failed")
REPORT_COLUMNS = ("row", "outcome", "customer_id", "field", "reason")
Problem = tuple[str, str]


@dataclass
class Upload:
    """A file waiting for its import in the customers service (`POST imports/uploads`), so
    any web replica serves the wizard's next step; `on_duplicate` travels with the forms."""

    id: str
    name: str
    on_duplicate: str


def mapping_of(columns: list[str], fields: list[str]) -> dict[str, str]:
    """The wizard's parallel `column`/`field` lists as the API's `{column header: field}`;
    a column left on "ignore" is not named."""
    return {c: f for c, f in zip(columns, fields, strict=False) if c and f}


def _worded(errors: Any, reason_of: Callable[[dict[str, Any]], str]) -> list[Problem]:
    """A row's `errors` (codes and params) as (field, reason) pairs worded by `reason_of`."""
    if not isinstance(errors, list):
        return []
    return [(str(e.get("field", "")), reason_of(e)) for e in errors if isinstance(e, dict)]


def _problems(line: dict[str, str], reason_of: Callable[[dict[str, Any]], str]) -> list[Problem]:
    """A report line's (field, reason) pairs, worded by `reason_of` from the `errors` column
    (codes and params) when the report has it, else the API's English reasons."""
    try:
        errors = json.loads(line.get("errors") or "[]")
    except ValueError:
        errors = []
    if errors and isinstance(errors, list):
        return _worded(errors, reason_of)
    fields = (line.get("field") or "").split("; ")
    reasons = (line.get("reason") or "").split("; ")
    return list(zip(fields, reasons, strict=False))


def not_imported(
    items: list[dict[str, Any]],
    reason_of: Callable[[dict[str, Any]], str],
    labels: dict[str, str],
) -> list[dict[str, Any]]:
    """A page of `GET imports/{id}/rows` as the on-screen table's rows: each row's
    (field label, reason) pairs, the field named by its label in the page's language where
    the wizard has one, else by its machine name."""
    return [
        {
            "row": item["row"],
            "outcome": item["outcome"],
            "customer_id": item.get("customer_id") or "",
            "problems": [
                (labels.get(field, field), reason)
                for field, reason in _worded(item.get("errors"), reason_of)
            ]
            or [("", "")],
        }
        for item in items
    ]


def localised_report(report_csv: str, reason_of: Callable[[dict[str, Any]], str]) -> bytes:
    """The API's report as the user downloads it: `row, outcome, customer_id, field, reason`
    with the reasons in the user's language (UTF-8 with a BOM, for Excel)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(REPORT_COLUMNS)
    for line in csv.DictReader(io.StringIO(report_csv.lstrip("\ufeff"))):
        problems = _problems(line, reason_of)
        writer.writerow(
            [line.get("row", ""), line.get("outcome", ""), line.get("customer_id", ""),
             "; ".join(f for f, _ in problems if f), "; ".join(r for _, r in problems if r)]
        )  # fmt: skip
    return out.getvalue().encode("utf-8-sig")


def value_of(values: dict[str, Any], target: str) -> str:
    """A preview row's value for a mapped field, as text (lists joined)."""
    group, _, key = target.partition(".")
    if group in ("custom", "contact") and key:
        value = (values.get(group) or {}).get(key)
    else:
        value = values.get({"phone": "phones", "email": "emails"}.get(target, target))
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, bool):
        return "✓" if value else "✗"
    return str(value)


def export_filters(
    fields: list[str], ops: list[str], values: list[str], q: str, ids: list[str]
) -> list[str]:
    """The list's filter expressions for the posted form (see the module's contract)."""
    filters = [row.expression for row in conditions_of(fields, ops, values)]
    if q.strip():
        filters.append(f"name:contains:{q.strip()}")
    chosen = [i.strip() for i in ids if i.strip()]
    if chosen:
        filters.append("id:in:" + ",".join(chosen))
    return filters


def _require_import(page: Page) -> Response | None:
    if page.signed_in.can("customers:import"):
        return None
    return page.render("error.html", status_code=403, message=page.t("error.forbidden"))


def _duplicate_choices(page: Page) -> tuple[str, ...]:
    if page.signed_in.can("customers:force_create"):
        return ON_DUPLICATE
    return ("skip", "update")


# Step 1: the file and what to do with duplicates.


@router.get("/imports/new")
async def new_import(page: CurrentPage, gone: str = "") -> Response:
    error = page.t("imports.upload_gone") if gone else ""
    return _require_import(page) or _step_one(page, on_duplicate="skip", error=error)


def _step_one(page: Page, *, on_duplicate: str, error: str, status_code: int = 200) -> Response:
    return page.render(
        "transfers/upload.html", choices=_duplicate_choices(page), on_duplicate=on_duplicate,
        error=error, limit_mb=UPLOAD_MAX_BYTES // (1024 * 1024), status_code=status_code,
    )  # fmt: skip


@router.post("/imports/new")
async def upload_file(
    page: CurrentPage,
    file: Annotated[UploadFile | None, File()] = None,
    on_duplicate: Annotated[str, Form()] = "skip",
) -> Response:
    refused = _require_import(page)
    if refused:
        return refused
    if on_duplicate not in _duplicate_choices(page):
        on_duplicate = "skip"
    if file is None or not file.filename:
        return _step_one(
            page, on_duplicate=on_duplicate, error=page.t("imports.no_file"), status_code=422
        )
    content = await file.read(UPLOAD_MAX_BYTES + 1)
    if len(content) > UPLOAD_MAX_BYTES:
        too_big = page.t("imports.too_big", mb=UPLOAD_MAX_BYTES // (1024 * 1024))
        return _step_one(page, on_duplicate=on_duplicate, error=too_big, status_code=413)
    files = {"file": (file.filename, content, file.content_type or "application/octet-stream")}
    try:
        kept = await page.api("POST", "/api/v1/imports/uploads", files=files)
        upload = Upload(id=str(kept["id"]), name=str(kept["name"]), on_duplicate=on_duplicate)
        await _preview(page, upload, mapping=None)
    except ApiError as exc:
        if exc.status not in (403, 413, 422):
            raise
        return _step_one(page, on_duplicate=on_duplicate, error=exc.detail, status_code=exc.status)
    return redirect(page, _mapping_url(upload))


def _mapping_url(upload: Upload, **extra: str) -> str:
    query = urlencode({"on_duplicate": upload.on_duplicate, **extra})
    return f"/imports/new/{upload.id}?{query}"


# Step 2: the column mapping with a preview of the first rows.


async def _preview(page: Page, upload: Upload, mapping: dict[str, str] | None) -> dict[str, Any]:
    data = {"on_duplicate": upload.on_duplicate, "upload_id": upload.id}
    if mapping is not None:
        data["mapping"] = json.dumps(mapping, ensure_ascii=False)
    found: dict[str, Any] = await page.api("POST", "/api/v1/imports/preview", data=data)
    return found


async def _targets(page: Page) -> list[tuple[str, str]]:
    """(field, label) for every field a column can fill."""
    found = await page.api("GET", "/api/v1/custom-fields", params={"entity": "customer"})
    custom = [
        (f"custom.{x['key']}", str(x["label"]))
        for x in sorted(found["items"], key=lambda x: (x["position"], x["label"]))
        if x["type"] != "address"
    ]
    standard = [(name, page.t(f"imports.field.{name}")) for name in STANDARD_TARGETS]
    contact = [
        (f"contact.{n}", page.t("imports.contact_field", field=page.t(f"imports.contact.{n}")))
        for n in CONTACT_TARGETS
    ]
    return standard + custom + contact


async def _upload_of(page: Page, key: str, on_duplicate: str) -> Upload | None:
    """The caller's waiting upload, or None when it is gone (imported, expired, not theirs)."""
    try:
        kept = await page.api("GET", f"/api/v1/imports/uploads/{quote(key, safe='')}")
    except ApiError as exc:
        if exc.status in (404, 422):
            return None
        raise
    if on_duplicate not in _duplicate_choices(page):
        on_duplicate = "skip"
    return Upload(id=str(kept["id"]), name=str(kept["name"]), on_duplicate=on_duplicate)


def _gone(page: Page) -> Response:
    if page.htmx:  # the preview's refresh: the whole page goes back to step 1
        return redirect(page, "/imports/new?gone=1")
    return page.render(
        "transfers/upload.html", choices=_duplicate_choices(page), on_duplicate="skip",
        error=page.t("imports.upload_gone"), limit_mb=UPLOAD_MAX_BYTES // (1024 * 1024),
        status_code=410,
    )  # fmt: skip


@router.get("/imports/new/{key}")
async def mapping_step(
    page: CurrentPage, key: str, saved: str = "", notice: str = "", on_duplicate: str = "skip"
) -> Response:
    upload = await _upload_of(page, key, on_duplicate)
    if upload is None:
        return _gone(page)
    mappings = (await page.api("GET", "/api/v1/imports/mappings"))["items"]
    preview = await _preview(page, upload, mapping=None)
    chosen = next((m for m in mappings if m["id"] == saved), None)
    if chosen is not None:
        # A saved mapping fills the columns this file has; the others stay ignored.
        mapping = {c: chosen["mapping"][c] for c in preview["columns"] if c in chosen["mapping"]}
        if chosen["on_duplicate"] in _duplicate_choices(page):
            upload.on_duplicate = chosen["on_duplicate"]
        return await _step_two(page, key, upload, mapping, mappings=mappings, saved=saved)
    return await _step_two(
        page, key, upload, preview["mapping"], mappings=mappings, preview=preview, notice=notice
    )


async def _step_two(
    page: Page,
    key: str,
    upload: Upload,
    mapping: dict[str, str],
    *,
    mappings: list[dict[str, Any]] | None = None,
    preview: dict[str, Any] | None = None,
    saved: str = "",
    notice: str = "",
    errors: dict[str, str] | None = None,
    problem: str = "",
    name: str = "",
    status_code: int = 200,
    partial: bool = False,
) -> Response:
    if preview is None:
        try:
            preview = await _preview(page, upload, mapping)
        except ApiError as exc:
            if exc.status not in (403, 422):
                raise
            problem = problem or exc.detail
            errors = {**(errors or {}), **exc.field_errors}
            status_code = exc.status
            preview = await _preview(page, upload, mapping=None)
            preview = {**preview, "rows": [], "mapping": mapping}
    targets = await _targets(page)
    existing = await _duplicates_named(page, preview["rows"])
    if mappings is None and not partial:
        mappings = (await page.api("GET", "/api/v1/imports/mappings"))["items"]
    return page.render(
        "transfers/_preview.html" if partial else "transfers/mapping.html",
        key=key, upload=upload, preview=preview, mapping=mapping, targets=targets,
        labels=dict(targets), mappings=mappings or [], saved=saved, notice=notice,
        errors=errors or {}, problem=problem, choices=_duplicate_choices(page),
        value_of=value_of, existing=existing, name=name,
        status_code=200 if partial else status_code,  # HTMX swaps only a 2xx answer in
    )  # fmt: skip


async def _duplicates_named(page: Page, rows: list[dict[str, Any]]) -> dict[str, str]:
    """Names of the existing customers the preview's rows look like. A row can also repeat
    an earlier row of the file (its id is that row's customer-to-be, not found here)."""
    ids = sorted({str(r["duplicate_of"]) for r in rows if r.get("duplicate_of")})
    if not ids:
        return {}
    params = {"filter": "id:in:" + ",".join(ids), "limit": 200}
    try:
        found = await page.api("GET", "/api/v1/customers", params=params)
    except ApiError:
        return {}
    return {str(c["id"]): str(c["name"]) for c in found["items"]}


ColumnList = Annotated[list[str], Form()]


@router.post("/imports/new/{key}/preview")
async def refresh_preview(
    page: CurrentPage,
    key: str,
    column: ColumnList = [],  # noqa: B006 - FastAPI copies form defaults
    target: ColumnList = [],  # noqa: B006
    on_duplicate: Annotated[str, Form()] = "skip",
) -> Response:
    upload = await _upload_of(page, key, on_duplicate)
    if upload is None:
        return _gone(page)
    return await _step_two(page, key, upload, mapping_of(column, target), partial=True)


@router.post("/imports/new/{key}/mappings")
async def save_mapping(
    page: CurrentPage,
    key: str,
    column: ColumnList = [],  # noqa: B006
    target: ColumnList = [],  # noqa: B006
    on_duplicate: Annotated[str, Form()] = "skip",
    name: Annotated[str, Form()] = "",
) -> Response:
    upload = await _upload_of(page, key, on_duplicate)
    if upload is None:
        return _gone(page)
    mapping = mapping_of(column, target)
    body = {"name": name.strip(), "mapping": mapping, "on_duplicate": upload.on_duplicate}
    try:
        saved = await page.api("POST", "/api/v1/imports/mappings", json=body)
    except ApiError as exc:
        if exc.status not in (403, 409, 422):
            raise
        reason = exc.detail if exc.status == 409 else exc.field_errors.get("name", exc.detail)
        return await _step_two(
            page, key, upload, mapping, errors={"name": reason}, name=name,
            status_code=exc.status,
        )  # fmt: skip
    return redirect(page, _mapping_url(upload, saved=str(saved["id"])))


@router.post("/imports/new/{key}/start")
async def start_import(
    page: CurrentPage,
    key: str,
    column: ColumnList = [],  # noqa: B006
    target: ColumnList = [],  # noqa: B006
    on_duplicate: Annotated[str, Form()] = "skip",
) -> Response:
    upload = await _upload_of(page, key, on_duplicate)
    if upload is None:
        return _gone(page)
    mapping = mapping_of(column, target)
    data = {
        "on_duplicate": upload.on_duplicate,
        "upload_id": upload.id,
        "mapping": json.dumps(mapping, ensure_ascii=False),
    }
    try:
        queued = await page.api("POST", "/api/v1/imports", data=data)
    except ApiError as exc:
        if exc.status not in (403, 413, 422):
            raise
        return await _step_two(
            page, key, upload, mapping, problem=exc.detail, status_code=exc.status
        )
    return redirect(page, f"/imports/{queued['id']}")


# Step 3: progress, then the row report.


async def _not_imported_page(
    page: Page, import_id: str, cursor: str = ""
) -> tuple[list[dict[str, Any]], str]:
    """One page of the rows not imported (`GET imports/{id}/rows`) and the next cursor."""
    params = {"outcome": "failed,skipped", "limit": REPORT_PAGE_ROWS}
    if cursor:
        params["cursor"] = cursor
    found = await page.api(
        "GET", f"/api/v1/imports/{quote(import_id, safe='')}/rows", params=params
    )
    labels = {**dict(await _targets(page)), "row": page.t("imports.row")}
    rows = not_imported(found["items"], _reason_in(page.locale), labels)
    return rows, str(found.get("next_cursor") or "")


async def _import_status(page: Page, import_id: str) -> dict[str, Any]:
    job: dict[str, Any] = await page.api("GET", f"/api/v1/imports/{import_id}")
    job["finished"] = job["status"] in FINISHED
    job["problems"], job["next_cursor"] = [], ""
    if job["status"] == "done" and (job["failed"] or job["skipped"]):
        job["problems"], job["next_cursor"] = await _not_imported_page(page, import_id)
    return job


@router.get("/imports/{import_id}")
async def import_progress(page: CurrentPage, import_id: str) -> Response:
    page.signed_in  # noqa: B018
    job = await _import_status(page, import_id)
    return page.render("transfers/progress.html", job=job)


@router.get("/imports/{import_id}/progress")
async def import_progress_part(page: CurrentPage, import_id: str) -> Response:
    page.signed_in  # noqa: B018
    job = await _import_status(page, import_id)
    return page.render("transfers/_import_status.html", job=job)


@router.get("/imports/{import_id}/rows")
async def more_not_imported(page: CurrentPage, import_id: str, cursor: str = "") -> Response:
    """The next page of rows not imported, as table rows the "more" button appends."""
    page.signed_in  # noqa: B018
    rows, next_cursor = await _not_imported_page(page, import_id, cursor)
    return page.render(
        "transfers/_report_rows.html", job={"id": import_id}, rows=rows, next_cursor=next_cursor
    )


async def _proxied(page: Page, path: str) -> Response:
    """A file from the API passed on as it came (the token stays here)."""
    response = await page.gateway.send(page.signed_in, "GET", path)
    if response.status_code >= 400:
        key = {404: "error.not_found", 403: "error.forbidden"}.get(
            response.status_code, "error.api"
        )
        return page.render(
            "error.html", status_code=response.status_code if response.status_code < 500 else 502,
            message=page.t(key),
        )  # fmt: skip
    headers = {
        name: response.headers[name]
        for name in ("content-type", "content-disposition")
        if name in response.headers
    }
    return Response(response.content, headers=headers)


def _reason_in(locale: str) -> Callable[[dict[str, Any]], str]:
    return lambda error: field_reason(error, locale)


@router.get("/imports/{import_id}/report")
async def import_report(page: CurrentPage, import_id: str) -> Response:
    """The API's report with its reasons in the user's language (the API gives codes; the
    console holds the messages)."""
    proxied = await _proxied(page, f"/api/v1/imports/{import_id}/report")
    if proxied.status_code != 200:
        return proxied
    body = localised_report(bytes(proxied.body).decode("utf-8-sig"), _reason_in(page.locale))
    kept = ("content-type", "content-disposition")
    return Response(body, headers={k: proxied.headers[k] for k in kept if k in proxied.headers})


# Exports.


@router.post("/exports")
async def start_export(
    page: CurrentPage,
    format: Annotated[str, Form()] = "csv",  # noqa: A002 - the contract's field name
    f: ColumnList = [],  # noqa: B006
    op: ColumnList = [],  # noqa: B006
    v: ColumnList = [],  # noqa: B006
    q: Annotated[str, Form()] = "",
    sort: Annotated[str, Form()] = "",
    ids: ColumnList = [],  # noqa: B006
) -> Response:
    page.signed_in  # noqa: B018
    body: dict[str, Any] = {
        "entity": "customers",
        "format": format if format in ("csv", "xlsx") else "csv",
        "filter": export_filters(f, op, v, q, ids),
    }
    if sort:
        body["sort"] = sort
    try:
        queued = await page.api("POST", "/api/v1/exports", json=body)
    except ApiError as exc:
        if exc.status not in (403, 422):
            raise
        key = "error.forbidden" if exc.status == 403 else "exports.refused"
        return page.render(
            "error.html", status_code=exc.status, message=page.t(key), detail=exc.detail
        )
    return redirect(page, f"/exports/{queued['id']}")


async def _export_status(page: Page, export_id: str) -> dict[str, Any]:
    job: dict[str, Any] = await page.api("GET", f"/api/v1/exports/{export_id}")
    job["finished"] = job["status"] in FINISHED
    return job


@router.get("/exports/{export_id}")
async def export_progress(page: CurrentPage, export_id: str) -> Response:
    page.signed_in  # noqa: B018
    job = await _export_status(page, export_id)
    return page.render("transfers/export.html", job=job)


@router.get("/exports/{export_id}/progress")
async def export_progress_part(page: CurrentPage, export_id: str) -> Response:
    page.signed_in  # noqa: B018
    job = await _export_status(page, export_id)
    return page.render("transfers/_export_status.html", job=job)


@router.get("/exports/{export_id}/file")
async def export_file(page: CurrentPage, export_id: str) -> Response:
    return await _proxied(page, f"/api/v1/exports/{export_id}/file")
