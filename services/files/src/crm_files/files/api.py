"""`/api/v1/files`: attach files to records; bytes go straight to object storage."""

import uuid
from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from crm_files.db import utcnow
from crm_files.files import service
from crm_files.files.models import READY, File, FileVersion
from crm_files.files.schemas import (
    FileList,
    FileOut,
    FileUpdate,
    NewVersionRequest,
    ThumbnailOut,
    UploadRequest,
    UploadTicket,
    VersionOut,
)
from crm_files.files.thumbnails import THUMBNAIL_CONTENT_TYPE
from crm_files.settings import files_settings
from crm_files.storage import storage
from crmkit.auth import current_principal
from crmkit.http import CurrentPrincipal, TenantSession
from crmkit.pagination import MAX_LIMIT

router = APIRouter(prefix="/api/v1/files", tags=["files"])

_problem: dict[str, Any] = {"content": {"application/problem+json": {}}}
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"description": "No such file, or its record is hidden from you", **_problem}
}
FORBIDDEN: dict[int | str, dict[str, Any]] = {
    403: {"description": "You may see but not change the record", **_problem}
}
LIMITS: dict[int | str, dict[str, Any]] = {
    413: {"description": "Over the file size limit or the tenant's quota", **_problem}
}
REFUSED: dict[int | str, dict[str, Any]] = {
    422: {"description": "Type not allowed, size or checksum mismatch", **_problem}
}
CONFLICT: dict[int | str, dict[str, Any]] = {
    409: {"description": "Nothing uploaded yet, or the upload expired", **_problem}
}


def _ticket(upload: service.Upload) -> UploadTicket:
    return UploadTicket(
        id=upload.file.id,
        version=upload.version.version,
        upload_url=upload.url,
        expires_at=upload.version.upload_expires_at,
    )


def _download(file: File, version: FileVersion) -> tuple[str, datetime]:
    seconds = files_settings().url_expiry_seconds
    url = storage().presigned_get(
        version.object_key,
        expires_seconds=seconds,
        filename=version.name,
        content_type=version.content_type or "application/octet-stream",
    )
    return url, utcnow() + timedelta(seconds=seconds)


def _version_out(version: FileVersion, *, url: str | None = None) -> VersionOut:
    return VersionOut(
        version=version.version,
        name=version.name,
        size=version.size,
        sha256=version.sha256,
        content_type=version.content_type,
        status=version.status,
        created_by=version.created_by,
        created_at=version.created_at,
        download_url=url,
    )


def _file_out(
    file: File,
    current: FileVersion | None,
    *,
    with_url: bool = False,
    versions: list[FileVersion] | None = None,
) -> FileOut:
    url = expires = None
    if with_url and current is not None and current.status == READY:
        url, expires = _download(file, current)
    ready = current is not None and current.status == READY
    return FileOut(
        id=file.id,
        record_type=file.record_type,
        record_id=file.record_id,
        name=file.name,
        status=file.status,
        version=file.current_version,
        size=current.size if ready and current else None,
        sha256=current.sha256 if ready and current else None,
        content_type=current.content_type if ready and current else None,
        created_by=file.created_by,
        created_at=file.created_at,
        updated_at=file.updated_at,
        deleted_at=file.deleted_at,
        download_url=url,
        expires_at=expires,
        versions=None if versions is None else [_version_out(v) for v in versions],
    )


def _confirmed(session: Session, file: File) -> FileOut:
    _, versions = service.get(session, file_id=file.id)
    current = next(v for v in versions if v.version == file.current_version)
    return _file_out(file, current, versions=versions)


@router.post(
    "",
    status_code=201,
    response_model=UploadTicket,
    responses={**NOT_FOUND, **FORBIDDEN, **LIMITS, **REFUSED},
)
def start_upload(
    body: UploadRequest, session: TenantSession, principal: CurrentPrincipal
) -> UploadTicket:
    """Announce a file; PUT its bytes to `upload_url`, then `POST .../complete`."""
    return _ticket(service.start_upload(session, body=body, principal=principal, now=utcnow()))


@router.get("", response_model=FileList, responses=NOT_FOUND)
def list_files(
    session: TenantSession,
    record_type: Annotated[str, Query(min_length=1, max_length=64)],
    record_id: Annotated[uuid.UUID, Query()],
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
    cursor: Annotated[str | None, Query(description="`next_cursor` of the previous page")] = None,
) -> FileList:
    """The record's live, confirmed files, oldest first, a page at a time."""
    files, current, next_cursor = service.list_for_record(
        session, record_type=record_type, record_id=record_id, limit=limit, cursor=cursor
    )
    return FileList(items=[_file_out(f, current.get(f.id)) for f in files], next_cursor=next_cursor)


@router.get("/{file_id}", response_model=FileOut, responses=NOT_FOUND)
def get_file(file_id: uuid.UUID, session: TenantSession) -> FileOut:
    """The file, its versions and a short-lived `download_url` of the current one."""
    file, versions = service.get(session, file_id=file_id)
    current = next((v for v in versions if v.version == file.current_version), None)
    return _file_out(file, current, with_url=True, versions=versions)


@router.get("/{file_id}/versions/{version}", response_model=VersionOut, responses=NOT_FOUND)
def get_version(file_id: uuid.UUID, version: int, session: TenantSession) -> VersionOut:
    """One earlier (or the current) version with its own `download_url`."""
    file, found = service.get_version(session, file_id=file_id, number=version)
    url, _ = _download(file, found)
    return _version_out(found, url=url)


@router.get("/{file_id}/thumbnail", response_model=ThumbnailOut, responses=NOT_FOUND)
def get_thumbnail(
    file_id: uuid.UUID,
    session: TenantSession,
    version: Annotated[int | None, Query(ge=1)] = None,
) -> ThumbnailOut:
    """A short-lived `url` of the image's thumbnail (WebP, at most 320 px a side), made on
    the first ask; `404` with code `no_thumbnail` for what is not a readable image."""
    _, found, key = service.thumbnail(session, file_id=file_id, number=version)
    seconds = files_settings().url_expiry_seconds
    url = storage().presigned_get(
        key,
        expires_seconds=seconds,
        filename=f"{found.name}.webp",
        content_type=THUMBNAIL_CONTENT_TYPE,
    )
    return ThumbnailOut(
        version=found.version,
        content_type=THUMBNAIL_CONTENT_TYPE,
        url=url,
        expires_at=utcnow() + timedelta(seconds=seconds),
    )


@router.post(
    "/{file_id}/complete",
    response_model=FileOut,
    responses={**NOT_FOUND, **FORBIDDEN, **LIMITS, **REFUSED, **CONFLICT},
)
def complete(file_id: uuid.UUID, session: TenantSession) -> FileOut:
    """Confirm the upload: the stored bytes' size and SHA-256 are checked, their type sniffed."""
    return _confirmed(session, service.complete(session, file_id=file_id, now=utcnow()))


@router.put(
    "/{file_id}/content",
    response_model=FileOut,
    responses={**NOT_FOUND, **FORBIDDEN, **LIMITS, **REFUSED, **CONFLICT},
)
async def upload_content(file_id: uuid.UUID, request: Request) -> FileOut:
    """Small files: the bytes in the body instead of the upload URL; confirmed at once."""
    current_principal()  # 401 before reading a body
    limit = files_settings().api_upload_max_bytes
    data = bytearray()
    async for chunk in request.stream():
        data.extend(chunk)
        if len(data) > limit:
            break  # enough to refuse it
    db = request.app.state.db

    def work() -> FileOut:
        with db.tenant_session() as session, session.begin():
            file = service.upload_content(session, file_id=file_id, data=bytes(data), now=utcnow())
            return _confirmed(session, file)

    return await run_in_threadpool(work)


@router.post(
    "/{file_id}/versions",
    status_code=201,
    response_model=UploadTicket,
    responses={**NOT_FOUND, **FORBIDDEN, **LIMITS, **REFUSED},
)
def new_version(
    file_id: uuid.UUID, body: NewVersionRequest, session: TenantSession, principal: CurrentPrincipal
) -> UploadTicket:
    """A new version: PUT it to `upload_url`, then `POST .../complete`. Old ones stay."""
    upload = service.start_version(
        session, file_id=file_id, body=body, principal=principal, now=utcnow()
    )
    return _ticket(upload)


@router.patch("/{file_id}", response_model=FileOut, responses={**NOT_FOUND, **FORBIDDEN})
def update_file(file_id: uuid.UUID, body: FileUpdate, session: TenantSession) -> FileOut:
    """Rename, or move to another record (`record_type`, `record_id`)."""
    file = service.update(session, file_id=file_id, body=body, now=utcnow())
    _, versions = service.get(session, file_id=file.id)
    current = next((v for v in versions if v.version == file.current_version), None)
    return _file_out(file, current)


@router.delete(
    "/{file_id}", status_code=204, response_class=Response, responses={**NOT_FOUND, **FORBIDDEN}
)
def delete_file(
    file_id: uuid.UUID, session: TenantSession, principal: CurrentPrincipal
) -> Response:
    """To the recycle bin: restorable for `CRM_FILES_RETENTION_SECONDS`, then purged."""
    service.delete(session, file_id=file_id, principal=principal, now=utcnow())
    return Response(status_code=204)


@router.post("/{file_id}/restore", response_model=FileOut, responses={**NOT_FOUND, **FORBIDDEN})
def restore_file(file_id: uuid.UUID, session: TenantSession) -> FileOut:
    file = service.restore(session, file_id=file_id, now=utcnow())
    _, versions = service.get(session, file_id=file.id)
    current = next((v for v in versions if v.version == file.current_version), None)
    return _file_out(file, current)
