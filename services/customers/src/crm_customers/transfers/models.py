"""Imports and exports: their jobs, the bytes they read and write, and one outcome per
imported row. Everything lives in the tenant's schema, so a job survives any worker."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, Integer, LargeBinary, String, Text, Uuid
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from crm_customers.db import TenantBase, utcnow


class TransferFile(TenantBase):
    """An uploaded import file or a finished export, kept in PostgreSQL (no object store)."""

    __tablename__ = "transfer_files"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    name: Mapped[str] = mapped_column(String(255))
    media_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    content: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # Set while the file waits for its import to start (`POST imports/uploads`): only its
    # uploader may use it, and a daily pass deletes those left waiting a day.
    uploaded_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)


class ImportJob(TenantBase):
    __tablename__ = "import_jobs"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    status: Mapped[str] = mapped_column(String(20))
    file_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    file_format: Mapped[str] = mapped_column(String(10))
    mapping: Mapped[dict[str, str]] = mapped_column(JSONB)
    on_duplicate: Mapped[str] = mapped_column(String(10))
    # The importing user's permissions, field rules and scope when the job was queued: the
    # worker has no token to ask identity with.
    caller: Mapped[dict[str, Any]] = mapped_column(JSONB)
    created_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    total: Mapped[int | None] = mapped_column(Integer)
    processed: Mapped[int] = mapped_column(Integer, default=0)
    created: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    skipped: Mapped[int] = mapped_column(Integer, default=0)
    failed: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ImportRow(TenantBase):
    """What became of one data row; the primary key makes a row impossible to record twice."""

    __tablename__ = "import_rows"

    job_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    row: Mapped[int] = mapped_column(Integer, primary_key=True)
    outcome: Mapped[str] = mapped_column(String(10))
    customer_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    errors: Mapped[list[dict[str, str]]] = mapped_column(JSONB, default=list)


class ImportMapping(TenantBase):
    __tablename__ = "import_mappings"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    name: Mapped[str] = mapped_column(String(100))
    mapping: Mapped[dict[str, str]] = mapped_column(JSONB)
    on_duplicate: Mapped[str] = mapped_column(String(10))
    created_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ExportJob(TenantBase):
    __tablename__ = "export_jobs"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    status: Mapped[str] = mapped_column(String(20))
    entity: Mapped[str] = mapped_column(String(20))
    filters: Mapped[list[str]] = mapped_column(JSONB, default=list)
    sort: Mapped[str | None] = mapped_column(String(100))
    file_format: Mapped[str] = mapped_column(String(10))
    caller: Mapped[dict[str, Any]] = mapped_column(JSONB)
    created_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    total: Mapped[int | None] = mapped_column(Integer)
    processed: Mapped[int] = mapped_column(Integer, default=0)
    file_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
