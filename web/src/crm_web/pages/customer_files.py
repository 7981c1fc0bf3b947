"""Files on a customer's page: drag-and-drop upload with progress, previews of images and PDFs,
versions.

The browser talks only to the console. An upload is the file's raw bytes in one XHR body
(progress events), spooled to a temporary file while its size and SHA-256 are counted, then
announced to the files API, PUT to the presigned URL it answers and confirmed; downloads and
previews stream from the API's presigned URL through the console. Memory stays bounded.
"""

import hashlib
import tempfile
import uuid
from collections.abc import AsyncIterator
from typing import IO, Annotated, Any
from urllib.parse import quote

import httpx
from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool

from crm_web.gateway import ApiError
from crm_web.pages.common import CurrentPage, Page
from crm_web.pages.people import user_names
from crmkit.limits import FILE_MAX_BYTES

router = APIRouter()

RECORD_TYPE = "customer"
PAGE_SIZE = 20
# The files service's largest file, which the gateway also lets through on `/files/…`: a
# larger file is refused in the browser before a byte is sent.
UPLOAD_MAX_BYTES = FILE_MAX_BYTES
SPOOL_IN_MEMORY_BYTES = 1024 * 1024
CHUNK_BYTES = 64 * 1024
# Shown in the page (thumbnail, viewer); anything else is only ever an attachment, so no
# uploaded bytes are rendered as a document of this site.
IMAGE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})
INLINE_TYPES = IMAGE_TYPES | {"application/pdf"}
UNITS = ("B", "KB", "MB", "GB")


def human_size(size: object) -> str:
    """1536 → `1.5 KB`, 60 MiB → `60 MB` (powers of 1024, at most one decimal)."""
    if not isinstance(size, int) or size < 0:
        return ""
    value = float(size)
    for unit in UNITS:
        if value < 1024 or unit == UNITS[-1]:
            if unit == "B":
                return f"{size} B"
            shown = f"{value:.1f}".removesuffix(".0")
            return f"{shown} {unit}"
        value /= 1024
    return f"{size} B"  # pragma: no cover - the loop always returns


def preview_kind(content_type: object) -> str | None:
    if content_type in IMAGE_TYPES:
        return "image"
    if content_type == "application/pdf":
        return "pdf"
    return None


def content_disposition(name: str, *, inline: bool) -> str:
    """RFC 6266 with an ASCII fallback: the name is the user's typing, so only quoted
    ASCII letters survive in `filename`, the rest goes percent-encoded in `filename*`."""
    fallback = "".join(
        c if c.isascii() and c.isprintable() and c not in '"\\' else "_" for c in name
    )
    kind = "inline" if inline else "attachment"
    return f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


def _uuid(value: str) -> str:
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise ApiError(404, {"code": "not_found"}) from None


async def _can_edit(page: Page, customer: dict[str, Any]) -> bool:
    # The files service lets a caller write when customers' CheckAccess says can_edit:
    # `customers:update` on a customer outside the pools. The API still decides.
    return page.signed_in.can("customers:update") and not customer.get("pool_id")


async def _list_context(page: Page, customer_id: str, cursor: str | None) -> dict[str, Any]:
    params: dict[str, Any] = {"record_type": RECORD_TYPE, "record_id": customer_id}
    params["limit"] = PAGE_SIZE
    if cursor:
        params["cursor"] = cursor
    found = await page.api("GET", "/api/v1/files", params=params)
    users = await user_names(page, [f.get("created_by") for f in found["items"]])
    return {
        "customer_id": customer_id, "files": found["items"], "next_cursor": found["next_cursor"],
        "users": users, "human_size": human_size, "preview_kind": preview_kind,
        "cursor": cursor,
    }  # fmt: skip


@router.get("/customers/{customer_id}/files")
async def files_panel(page: CurrentPage, customer_id: str) -> Response:
    page.signed_in  # noqa: B018
    customer_id = _uuid(customer_id)
    customer = await page.api("GET", f"/api/v1/customers/{customer_id}")
    context = await _list_context(page, customer_id, None)
    return page.render(
        "customers/_files.html", can_edit=await _can_edit(page, customer),
        max_bytes=UPLOAD_MAX_BYTES, max_size=human_size(UPLOAD_MAX_BYTES), **context,
    )  # fmt: skip


@router.get("/customers/{customer_id}/files/list")
async def files_list(
    page: CurrentPage, customer_id: str, cursor: Annotated[str | None, Query()] = None
) -> Response:
    """The list alone: refreshed after uploads, and its next pages (appended)."""
    page.signed_in  # noqa: B018
    customer_id = _uuid(customer_id)
    customer = await page.api("GET", f"/api/v1/customers/{customer_id}")
    context = await _list_context(page, customer_id, cursor)
    template = "customers/_files_rows.html" if cursor else "customers/_files_list.html"
    return page.render(template, can_edit=await _can_edit(page, customer), **context)


async def _file_of(page: Page, customer_id: str, file_id: str) -> dict[str, Any]:
    """The file, if it hangs on this customer (another record's file id is not found here)."""
    file: dict[str, Any] = await page.api("GET", f"/api/v1/files/{_uuid(file_id)}")
    if file["record_type"] != RECORD_TYPE or file["record_id"] != _uuid(customer_id):
        raise ApiError(404, {"code": "not_found"})
    return file


@router.get("/customers/{customer_id}/files/{file_id}/versions")
async def file_versions(page: CurrentPage, customer_id: str, file_id: str) -> Response:
    page.signed_in  # noqa: B018
    file = await _file_of(page, customer_id, file_id)
    versions = [v for v in file["versions"] or [] if v["status"] == "ready"]
    versions.sort(key=lambda v: v["version"], reverse=True)
    return page.render(
        "customers/_files_versions.html", customer_id=_uuid(customer_id), file=file,
        versions=versions, users=await user_names(page, [v.get("created_by") for v in versions]),
        human_size=human_size,
    )  # fmt: skip


@router.get("/customers/{customer_id}/files/{file_id}/content")
async def file_content(
    page: CurrentPage,
    customer_id: str,
    file_id: str,
    version: Annotated[int | None, Query(ge=1)] = None,
    inline: Annotated[bool, Query()] = False,
) -> Response:
    """The bytes of the current (or an earlier) version, streamed from the presigned URL."""
    page.signed_in  # noqa: B018
    file = await _file_of(page, customer_id, file_id)
    if version is None or version == file["version"]:
        url, name, content_type = file["download_url"], file["name"], file["content_type"]
    else:
        found = await page.api("GET", f"/api/v1/files/{file['id']}/versions/{version}")
        url, name, content_type = found["download_url"], found["name"], found["content_type"]
    if not url:
        raise ApiError(404, {"code": "not_found"})
    shown = inline and content_type in INLINE_TYPES
    return await _streamed(page, url, {
        "Content-Disposition": content_disposition(name, inline=shown),
        "Content-Type": content_type if shown else "application/octet-stream",
    })  # fmt: skip


@router.get("/customers/{customer_id}/files/{file_id}/thumbnail")
async def file_thumbnail(
    page: CurrentPage,
    customer_id: str,
    file_id: str,
    version: Annotated[int | None, Query(ge=1)] = None,
) -> Response:
    """The image's small WebP preview, made by the files service; a version never changes,
    so the browser may keep it."""
    page.signed_in  # noqa: B018
    file = await _file_of(page, customer_id, file_id)
    params = {"version": version} if version else {}
    found = await page.api("GET", f"/api/v1/files/{file['id']}/thumbnail", params=params)
    return await _streamed(page, found["url"], {
        "Content-Type": found["content_type"],
        "Cache-Control": "private, max-age=86400",
    })  # fmt: skip


async def _streamed(page: Page, url: str, headers: dict[str, str]) -> Response:
    """Stream a presigned URL's bytes to the browser, which never talks to storage itself."""
    client: httpx.AsyncClient = page.gateway.client
    upstream = await client.send(client.build_request("GET", url), stream=True)
    if upstream.status_code != 200:
        await upstream.aclose()
        raise ApiError(502, {"code": "storage_unavailable"})
    if "content-length" in upstream.headers:
        headers = {**headers, "Content-Length": upstream.headers["content-length"]}
    return StreamingResponse(
        upstream.aiter_raw(CHUNK_BYTES), headers=headers, background=BackgroundTask(upstream.aclose)
    )


@router.post("/customers/{customer_id}/files/{file_id}/delete")
async def delete_file(page: CurrentPage, customer_id: str, file_id: str) -> Response:
    page.signed_in  # noqa: B018
    file = await _file_of(page, customer_id, file_id)
    problem = None
    try:
        await page.api("DELETE", f"/api/v1/files/{file['id']}")
    except ApiError as exc:
        if exc.status == 404:
            raise
        problem = _message(page, exc)
    return await _refreshed_list(page, _uuid(customer_id), problem)


async def _refreshed_list(page: Page, customer_id: str, problem: str | None) -> Response:
    customer = await page.api("GET", f"/api/v1/customers/{customer_id}")
    context = await _list_context(page, customer_id, None)
    return page.render(
        "customers/_files_list.html", can_edit=await _can_edit(page, customer),
        problem=problem, **context,
    )  # fmt: skip


# Uploads live under /files/… so the gateway gives them its upload body limit.
@router.post("/files/upload/{customer_id}")
async def upload_file(
    page: CurrentPage, request: Request, customer_id: str, name: Annotated[str, Query()] = ""
) -> Response:
    page.signed_in  # noqa: B018
    return await _upload(page, request, customer_id=_uuid(customer_id), file_id=None, name=name)


@router.post("/files/upload/{customer_id}/{file_id}")
async def upload_version(
    page: CurrentPage, request: Request, customer_id: str, file_id: str,
    name: Annotated[str, Query()] = "",
) -> Response:  # fmt: skip
    page.signed_in  # noqa: B018
    file = await _file_of(page, customer_id, file_id)
    return await _upload(
        page, request, customer_id=_uuid(customer_id), file_id=str(file["id"]), name=name
    )


async def _upload(
    page: Page, request: Request, *, customer_id: str, file_id: str | None, name: str
) -> Response:
    name = name.strip()
    if not name or len(name) > 255:
        return _refusal(page.t("files.error.name"), 422)
    content_type = request.headers.get("content-type") or "application/octet-stream"
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY_BYTES) as spool:
        size, sha256 = await _spool(request, spool)
        if size > UPLOAD_MAX_BYTES:
            limit = human_size(UPLOAD_MAX_BYTES)
            return _refusal(page.t("files.error.too_large", limit=limit), 413)
        announce = {"name": name, "size": size, "content_type": content_type, "sha256": sha256}
        try:
            if file_id is None:
                ticket = await page.api(
                    "POST", "/api/v1/files",
                    json={"record_type": RECORD_TYPE, "record_id": customer_id, **announce},
                )  # fmt: skip
            else:
                ticket = await page.api("POST", f"/api/v1/files/{file_id}/versions", json=announce)
            await _put(page, ticket["upload_url"], spool, size)
            done = await page.api("POST", f"/api/v1/files/{ticket['id']}/complete")
        except ApiError as exc:
            return _refusal(_message(page, exc), exc.status if exc.status < 500 else 502)
        except httpx.HTTPError:
            return _refusal(page.t("files.error.storage"), 502)
    return JSONResponse({"id": done["id"], "version": done["version"], "name": done["name"]})


async def _spool(request: Request, spool: IO[bytes]) -> tuple[int, str]:
    """Copy the body aside, counting its size and SHA-256; stop counting past the limit."""
    digest = hashlib.sha256()
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > UPLOAD_MAX_BYTES:
            break
        digest.update(chunk)
        await run_in_threadpool(spool.write, chunk)
    return size, digest.hexdigest()


async def _put(page: Page, url: str, spool: IO[bytes], size: int) -> None:
    """PUT the spooled bytes to the presigned URL (object storage, not the gateway: no token)."""

    async def chunks() -> AsyncIterator[bytes]:
        await run_in_threadpool(spool.seek, 0)
        while chunk := await run_in_threadpool(spool.read, CHUNK_BYTES):
            yield chunk

    client: httpx.AsyncClient = page.gateway.client
    response = await client.put(url, content=chunks(), headers={"Content-Length": str(size)})
    if response.status_code >= 300:
        raise ApiError(502, {"code": "storage_refused", "detail": page.t("files.error.storage")})


def _message(page: Page, exc: ApiError) -> str:
    """The reader's words for the refusals a user can meet, else the API's."""
    known = {
        "file_too_large", "quota_exceeded", "file_type_not_allowed", "size_mismatch",
        "checksum_mismatch",
    }  # fmt: skip
    if exc.code in known:
        return page.t(f"files.error.{exc.code}")
    if exc.status == 403:
        return page.t("files.error.forbidden")
    if exc.status == 404:
        return page.t("files.error.not_found")
    if exc.status == 422 and exc.field_errors:
        return "; ".join(f"{k}: {v}" for k, v in exc.field_errors.items())
    return exc.detail


def _refusal(message: str, status: int) -> JSONResponse:
    return JSONResponse({"message": message}, status_code=status)
