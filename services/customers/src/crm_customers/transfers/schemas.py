import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field


class Queued(BaseModel):
    id: uuid.UUID
    status: str


class ImportOut(BaseModel):
    id: uuid.UUID
    status: str = Field(description="queued, running, done or failed")
    on_duplicate: str
    processed: int
    total: int | None = Field(description="Data rows in the file; null until counted")
    created: int
    updated: int
    skipped: int
    failed: int
    report_url: str | None = Field(None, description="Once done: every row's outcome (CSV)")
    error: str | None = None
    created_at: datetime
    finished_at: datetime | None


class RowError(BaseModel):
    field: str
    reason: str
    code: str | None = Field(None, description="Stable, for a message in the user's language")
    params: dict[str, Any] | None = None


class ImportRowOut(BaseModel):
    row: int = Field(description="The row's number in the sheet (the header is row 1)")
    outcome: str = Field(description="created, updated, skipped or failed")
    customer_id: uuid.UUID | None = Field(
        description="The customer created or updated, or a skipped row's duplicate"
    )
    errors: list[RowError]


class ImportRowPage(BaseModel):
    items: list[ImportRowOut]
    next_cursor: str | None = None


class PreviewRow(BaseModel):
    row: int = Field(description="The row's number in the sheet (the header is row 1)")
    values: dict[str, Any]
    outcome: str = Field(
        description="What importing it would do: created, updated, skipped, failed"
    )
    duplicate_of: str | None = None
    errors: list[RowError]


class PreviewOut(BaseModel):
    format: str
    columns: list[str]
    mapping: dict[str, str] = Field(description="The mapping used (suggested when none was sent)")
    rows: list[PreviewRow]


class MappingIn(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    mapping: dict[str, Any] = Field(description="{column header: field}")
    on_duplicate: Literal["skip", "update", "create"] = "skip"


class MappingOut(BaseModel):
    id: uuid.UUID
    name: str
    mapping: dict[str, str]
    on_duplicate: str
    created_by: uuid.UUID | None
    created_at: datetime


class MappingList(BaseModel):
    items: list[MappingOut]


class ExportIn(BaseModel):
    entity: str = Field(description="What to export: customers")
    filter: list[str] | str | None = Field(
        None, description="`<field>:<op>:<value>`, as the list's `filter` (AND)"
    )
    sort: str | None = None
    format: str = Field("csv", description="csv or xlsx")


class ExportOut(BaseModel):
    id: uuid.UUID
    status: str = Field(description="queued, running, done or failed")
    entity: str
    format: str
    filter: list[str]
    total: int | None = Field(description="Rows to write, counted when it starts; null before")
    processed: int = Field(description="Rows written so far (committed every chunk)")
    file_url: str | None = None
    error: str | None = None
    created_at: datetime
    finished_at: datetime | None


class UploadOut(BaseModel):
    id: uuid.UUID
    name: str
    size: int
