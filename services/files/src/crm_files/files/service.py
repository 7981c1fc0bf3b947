"""The files rules: plain functions over a tenant session; the edge commits.

Every function asks the record's owner first (`crm_files.records`): a file whose record
the caller cannot see is `404`, whoever holds its id.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import filetype  # type: ignore[import-untyped]
from sqlalchemy.orm import Session

from crm_files import records
from crm_files.files import repository
from crm_files.files.errors import (
    ChecksumMismatch,
    FileTooLarge,
    FileTypeNotAllowed,
    NothingToComplete,
    QuotaExceeded,
    SizeMismatch,
    UploadExpired,
    UploadMissing,
)
from crm_files.files.models import ACTIVE, PENDING, READY, File, FileVersion
from crm_files.files.schemas import FileUpdate, NewVersionRequest, UploadRequest
from crm_files.files.thumbnails import ensure_thumbnail, thumbnail_key
from crm_files.settings import FilesSettings, files_settings
from crm_files.storage import Storage, object_key, storage, upload_key
from crmkit.auth import Principal, PrincipalKind
from crmkit.errors import InvalidInput, NotFound
from crmkit.events.outbox import record_event
from crmkit.pagination import page_of
from crmkit.tenancy import current_tenant

SNIFF_BYTES = 8192
TEXT_TYPES = ("text/plain", "text/csv")
USER_DELETED, RECORD_DELETED = "user", "record"


@dataclass(frozen=True)
class Upload:
    file: File
    version: FileVersion
    url: str


def _user_id(principal: Principal) -> uuid.UUID | None:
    if principal.kind is PrincipalKind.SERVICE:
        return None
    try:
        return uuid.UUID(principal.subject)
    except ValueError:
        return None


def _check_limits(session: Session, *, size: int, settings: FilesSettings, now: datetime) -> None:
    if size > settings.max_file_bytes:
        raise FileTooLarge(
            f"a file may have at most {settings.max_file_bytes} bytes",
            limit=settings.max_file_bytes,
        )
    used = repository.used_bytes(session, now=now)
    if used + size > settings.tenant_quota_bytes:
        raise QuotaExceeded(
            f"the tenant's files may take at most {settings.tenant_quota_bytes} bytes",
            limit=settings.tenant_quota_bytes,
            used=used,
        )


def _check_declared_type(content_type: str, settings: FilesSettings) -> None:
    base = content_type.split(";")[0].strip().lower()
    if base not in settings.allowed_types:
        raise FileTypeNotAllowed(
            f"{base} is not accepted", allowed=settings.allowed_types, content_type=base
        )


def _new_version(
    session: Session,
    file: File,
    *,
    number: int,
    name: str,
    size: int,
    sha256: str,
    declared_type: str,
    principal: Principal,
    now: datetime,
    settings: FilesSettings,
    store: Storage,
) -> Upload:
    key = object_key(current_tenant(), file.id, number)
    version = FileVersion(
        file_id=file.id,
        version=number,
        object_key=key,
        name=name,
        size=size,
        sha256=sha256.lower(),
        declared_type=declared_type,
        status=PENDING,
        created_by=_user_id(principal),
        created_at=now,
        upload_expires_at=now + timedelta(seconds=settings.url_expiry_seconds),
    )
    repository.add(session, version)
    url = store.presigned_put(upload_key(key), expires_seconds=settings.url_expiry_seconds)
    return Upload(file, version, url)


def start_upload(
    session: Session, *, body: UploadRequest, principal: Principal, now: datetime
) -> Upload:
    settings, store = files_settings(), storage()
    records.require_edit(record_type=body.record_type, record_id=body.record_id)
    _check_declared_type(body.content_type, settings)
    _check_limits(session, size=body.size, settings=settings, now=now)
    file = File(
        id=uuid.uuid4(),
        record_type=body.record_type,
        record_id=body.record_id,
        name=body.name,
        status=PENDING,
        current_version=0,
        created_by=_user_id(principal),
        created_at=now,
        updated_at=now,
    )
    repository.add(session, file)
    return _new_version(
        session,
        file,
        number=1,
        name=body.name,
        size=body.size,
        sha256=body.sha256,
        declared_type=body.content_type,
        principal=principal,
        now=now,
        settings=settings,
        store=store,
    )


def _visible(session: Session, file_id: uuid.UUID, *, for_update: bool = False) -> File:
    """The file if it is live and the caller may see its record; else 404."""
    file = repository.get(session, file_id, for_update=for_update)
    if file is None or file.deleted_at is not None:
        raise NotFound("file not found")
    records.require_view(record_type=file.record_type, record_id=file.record_id)
    return file


def _editable(session: Session, file_id: uuid.UUID, *, deleted: bool = False) -> File:
    file = repository.get(session, file_id, for_update=True)
    if file is None or (file.deleted_at is not None) != deleted:
        raise NotFound("file not found")
    records.require_edit(record_type=file.record_type, record_id=file.record_id)
    return file


def start_version(
    session: Session,
    *,
    file_id: uuid.UUID,
    body: NewVersionRequest,
    principal: Principal,
    now: datetime,
) -> Upload:
    settings, store = files_settings(), storage()
    file = _editable(session, file_id)
    _check_declared_type(body.content_type, settings)
    _check_limits(session, size=body.size, settings=settings, now=now)
    return _new_version(
        session,
        file,
        number=repository.next_version(session, file.id),
        name=body.name or file.name,
        size=body.size,
        sha256=body.sha256,
        declared_type=body.content_type,
        principal=principal,
        now=now,
        settings=settings,
        store=store,
    )


def _waiting_version(session: Session, file: File) -> FileVersion:
    versions = [v for v in repository.versions(session, file.id) if v.status == PENDING]
    if not versions:
        raise NothingToComplete("no version of this file waits for confirmation")
    return versions[-1]


def sniff(head: bytes, declared: str) -> str:
    kind = filetype.guess(head)
    if kind is not None:
        return str(kind.mime)
    if b"\x00" not in head:
        try:
            head.decode("utf-8")
        except UnicodeDecodeError as exc:
            # A multi-byte character cut at the end of the sniffed bytes is still text.
            if exc.start < len(head) - 3:
                return "application/octet-stream"
        declared = declared.split(";")[0].strip().lower()
        return declared if declared in TEXT_TYPES else "text/plain"
    return "application/octet-stream"


def complete(session: Session, *, file_id: uuid.UUID, now: datetime) -> File:
    """Confirm the waiting upload: size, SHA-256 and content type of the stored bytes.

    A refused upload leaves nothing behind: its object is removed and no version is ready.
    """
    settings, store = files_settings(), storage()
    file = _editable(session, file_id)
    version = _waiting_version(session, file)
    staged = upload_key(version.object_key)
    info = store.stat(staged)
    if info is None:
        if version.upload_expires_at < now:
            raise UploadExpired("upload again with a new version")
        raise UploadMissing("PUT the bytes to the upload URL first")
    try:
        if info.size != version.size:
            raise SizeMismatch(
                f"{info.size} bytes arrived, {version.size} were announced",
                expected=version.size,
                actual=info.size,
            )
        # Checked where no client can write: the copy, not the upload.
        store.copy(staged, version.object_key)
        stored = store.stat(version.object_key)
        if stored is None or stored.size != version.size:
            raise SizeMismatch("the upload changed while it was confirmed")
        actual = store.sha256(version.object_key)
        if actual != version.sha256:
            raise ChecksumMismatch(
                "the bytes do not match the announced SHA-256",
                expected=version.sha256,
                actual=actual,
            )
        content_type = sniff(store.head(version.object_key, SNIFF_BYTES), version.declared_type)
        if content_type not in settings.allowed_types:
            raise FileTypeNotAllowed(
                f"the bytes are {content_type}, which is not accepted",
                allowed=settings.allowed_types,
                content_type=content_type,
            )
    except (SizeMismatch, ChecksumMismatch, FileTypeNotAllowed):
        store.remove_many([staged, version.object_key])
        raise
    store.remove(staged)
    version.content_type = content_type
    version.status = READY
    version.completed_at = now
    first = file.status == PENDING
    file.status = ACTIVE
    file.current_version = version.version
    file.name = version.name
    file.updated_at = now
    session.flush()
    record_event(
        session,
        type="files.file.uploaded" if first else "files.file.version_added",
        data=_event_data(file, version),
    )
    return file


def upload_content(session: Session, *, file_id: uuid.UUID, data: bytes, now: datetime) -> File:
    """The small-file path: the bytes through the API, then the same confirmation."""
    settings, store = files_settings(), storage()
    if len(data) > settings.api_upload_max_bytes:
        raise FileTooLarge(
            f"upload at most {settings.api_upload_max_bytes} bytes through the API; "
            "larger files through the upload URL",
            limit=settings.api_upload_max_bytes,
        )
    file = _editable(session, file_id)
    version = _waiting_version(session, file)
    store.put(upload_key(version.object_key), data, content_type="application/octet-stream")
    return complete(session, file_id=file_id, now=now)


def get(session: Session, *, file_id: uuid.UUID) -> tuple[File, list[FileVersion]]:
    file = _visible(session, file_id)
    return file, list(repository.versions(session, file.id))


def get_version(session: Session, *, file_id: uuid.UUID, number: int) -> tuple[File, FileVersion]:
    file = _visible(session, file_id)
    version = repository.version(session, file.id, number)
    if version is None or version.status != READY:
        raise NotFound("version not found")
    return file, version


def thumbnail(
    session: Session, *, file_id: uuid.UUID, number: int | None
) -> tuple[File, FileVersion, str]:
    """The file, its (current or given) version and the key of that version's thumbnail."""
    file = _visible(session, file_id)
    version = repository.version(session, file.id, number or file.current_version)
    if version is None or version.status != READY:
        raise NotFound("version not found")
    return file, version, ensure_thumbnail(storage(), version)


def list_for_record(
    session: Session, *, record_type: str, record_id: uuid.UUID, limit: int, cursor: str | None
) -> tuple[list[File], dict[uuid.UUID, FileVersion], str | None]:
    """A page of the record's files, their current versions and the next page's cursor."""
    records.require_view(record_type=record_type, record_id=record_id)
    rows = repository.for_record(session, record_type, record_id, limit=limit, cursor=cursor)
    files, next_cursor = page_of(rows, limit=limit, key_of=lambda f: (f.created_at, f.id))
    return files, repository.current_versions(session, files), next_cursor


def update(session: Session, *, file_id: uuid.UUID, body: FileUpdate, now: datetime) -> File:
    """Rename, or move to another record (the caller must be able to edit both)."""
    file = _editable(session, file_id)
    if body.record_type is not None or body.record_id is not None:
        record_type = body.record_type or file.record_type
        if body.record_id is None:
            raise InvalidInput.on_field("record_id", "required to move a file")
        records.require_edit(record_type=record_type, record_id=body.record_id)
        previous_type, previous_id = file.record_type, file.record_id
        file.record_type, file.record_id = record_type, body.record_id
        data = _event_data(file)
        data.update(previous_record_type=previous_type, previous_record_id=str(previous_id))
        record_event(session, type="files.file.moved", data=data)
    if body.name is not None:
        file.name = body.name
    file.updated_at = now
    session.flush()
    return file


def delete(session: Session, *, file_id: uuid.UUID, principal: Principal, now: datetime) -> None:
    file = _editable(session, file_id)
    file.deleted_at, file.deleted_by, file.deleted_reason = now, _user_id(principal), USER_DELETED
    session.flush()
    record_event(session, type="files.file.deleted", data=_event_data(file))


def restore(session: Session, *, file_id: uuid.UUID, now: datetime) -> File:
    file = _editable(session, file_id, deleted=True)
    file.deleted_at = file.deleted_by = file.deleted_reason = None
    file.updated_at = now
    session.flush()
    record_event(session, type="files.file.restored", data=_event_data(file))
    return file


def purge(session: Session, *, now: datetime, store: Storage | None = None) -> int:
    """Remove, bytes first, files deleted longer ago than the retention and uploads that
    were never confirmed. Returns how many versions were removed. Idempotent."""
    settings, store = files_settings(), store or storage()
    cutoff = now - timedelta(seconds=settings.retention_seconds)
    removed = 0
    for file in repository.deleted_before(session, cutoff):
        versions = list(repository.versions(session, file.id))
        store.remove_many([key for v in versions for key in _keys_of(v)])
        removed += len(versions)
        repository.delete_file(session, file)
    # An upload URL unused for a whole URL lifetime more can no longer write anything.
    grace = now - timedelta(seconds=settings.url_expiry_seconds)
    for version in repository.abandoned_uploads(session, grace):
        store.remove_many(_keys_of(version))
        removed += 1
        repository.delete_version(session, version)
    # A PUT to a confirmed version's URL before it expired wrote only its staging object.
    stale = list(repository.uploads_to_clear(session, grace))
    store.remove_many([upload_key(v.object_key) for v in stale])
    for version in stale:
        version.upload_cleared_at = now
    for file in repository.pending_files_without_versions(session):
        repository.delete_file(session, file)
    return removed


def _keys_of(version: FileVersion) -> list[str]:
    """Every object a version may have left: its bytes, its staged upload, its thumbnail."""
    key = version.object_key
    return [key, upload_key(key), thumbnail_key(key)]


def follow_record_deleted(
    session: Session, *, record_type: str, record_id: uuid.UUID, now: datetime
) -> None:
    """The record went to its owner's recycle bin: its files go to ours (restorable)."""
    for file in repository.of_record(session, record_type, record_id):
        if file.deleted_at is None:
            file.deleted_at, file.deleted_reason = now, RECORD_DELETED
    session.flush()


def follow_record_restored(session: Session, *, record_type: str, record_id: uuid.UUID) -> None:
    for file in repository.of_record(session, record_type, record_id):
        if file.deleted_reason == RECORD_DELETED:
            file.deleted_at = file.deleted_by = file.deleted_reason = None
    session.flush()


def follow_record_merged(
    session: Session, *, record_type: str, from_id: uuid.UUID, into_id: uuid.UUID, now: datetime
) -> int:
    return repository.move_record(session, record_type, from_id, into_id, now=now)


def _event_data(file: File, version: FileVersion | None = None) -> dict[str, object]:
    data: dict[str, object] = {
        "id": str(file.id),
        "record_type": file.record_type,
        "record_id": str(file.record_id),
        "name": file.name,
        "version": file.current_version,
    }
    if version is not None:
        data.update(size=version.size, sha256=version.sha256, content_type=version.content_type)
    return data
