"""Queries over files and their versions (the current tenant's schema)."""

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from crm_files.files.models import ACTIVE, PENDING, READY, File, FileVersion
from crmkit.pagination import SortKey, paginate


def get(session: Session, file_id: uuid.UUID, *, for_update: bool = False) -> File | None:
    query = select(File).where(File.id == file_id)
    if for_update:
        query = query.with_for_update()
    return session.scalar(query)


def add(session: Session, item: File | FileVersion) -> None:
    session.add(item)
    session.flush()


def versions(session: Session, file_id: uuid.UUID) -> Sequence[FileVersion]:
    return session.scalars(
        select(FileVersion).where(FileVersion.file_id == file_id).order_by(FileVersion.version)
    ).all()


def version(session: Session, file_id: uuid.UUID, number: int) -> FileVersion | None:
    return session.get(FileVersion, (file_id, number))


def next_version(session: Session, file_id: uuid.UUID) -> int:
    latest = session.scalar(
        select(func.max(FileVersion.version)).where(FileVersion.file_id == file_id)
    )
    return int(latest or 0) + 1


ORDER = SortKey(File.created_at.expression, File.id.expression)
"""Oldest first; the `(created_at, id)` cursor of `crmkit.pagination`."""


def for_record(
    session: Session, record_type: str, record_id: uuid.UUID, *, limit: int, cursor: str | None
) -> Sequence[File]:
    """Up to `limit + 1` of the record's live files after `cursor` (one more: more follow)."""
    query = select(File).where(
        File.record_type == record_type,
        File.record_id == record_id,
        File.status == ACTIVE,
        File.deleted_at.is_(None),
    )
    return session.scalars(paginate(query, key=ORDER, limit=limit, cursor=cursor)).all()


def current_versions(session: Session, files: Sequence[File]) -> dict[uuid.UUID, FileVersion]:
    if not files:
        return {}
    rows = session.scalars(
        select(FileVersion).where(
            or_(
                *(
                    (FileVersion.file_id == f.id) & (FileVersion.version == f.current_version)
                    for f in files
                )
            )
        )
    ).all()
    return {v.file_id: v for v in rows}


def used_bytes(session: Session, *, now: datetime) -> int:
    """Bytes stored or reserved: confirmed versions and uploads still in flight."""
    total = session.scalar(
        select(func.coalesce(func.sum(FileVersion.size), 0)).where(
            or_(
                FileVersion.status == READY,
                (FileVersion.status == PENDING) & (FileVersion.upload_expires_at > now),
            )
        )
    )
    return int(total or 0)


def deleted_before(session: Session, cutoff: datetime) -> Sequence[File]:
    return session.scalars(
        select(File).where(File.deleted_at.is_not(None), File.deleted_at < cutoff)
    ).all()


def abandoned_uploads(session: Session, cutoff: datetime) -> Sequence[FileVersion]:
    return session.scalars(
        select(FileVersion).where(
            FileVersion.status == PENDING, FileVersion.upload_expires_at < cutoff
        )
    ).all()


def uploads_to_clear(session: Session, cutoff: datetime) -> Sequence[FileVersion]:
    """Confirmed versions whose upload URL died before `cutoff`, staging not yet cleared."""
    return session.scalars(
        select(FileVersion).where(
            FileVersion.status == READY,
            FileVersion.upload_cleared_at.is_(None),
            FileVersion.upload_expires_at < cutoff,
        )
    ).all()


def delete_file(session: Session, item: File) -> None:
    session.delete(item)
    session.flush()


def delete_version(session: Session, item: FileVersion) -> None:
    session.delete(item)
    session.flush()


def pending_files_without_versions(session: Session) -> Sequence[File]:
    has_version = select(FileVersion.file_id).where(FileVersion.file_id == File.id).exists()
    return session.scalars(select(File).where(File.status == PENDING, ~has_version)).all()


def of_record(session: Session, record_type: str, record_id: uuid.UUID) -> Sequence[File]:
    return session.scalars(
        select(File).where(File.record_type == record_type, File.record_id == record_id)
    ).all()


def move_record(
    session: Session, record_type: str, from_id: uuid.UUID, to_id: uuid.UUID, *, now: datetime
) -> int:
    result = session.execute(
        update(File)
        .where(File.record_type == record_type, File.record_id == from_id)
        .values(record_id=to_id, updated_at=now)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]
