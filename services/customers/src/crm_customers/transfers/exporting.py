"""Exports of the customer list as a job: the caller's filters, sort, data scope, field
rules and masking, exactly as `GET /api/v1/customers` shows them (the export pages
through `customers.service.list_customers` itself). Columns a role hides are left out.
Every finished export is reported to identity's audit log (`customers.customer.exported`).
"""

import csv
import io
import tempfile
import uuid
from collections.abc import Callable, Iterator
from typing import Any

from sqlalchemy.orm import Session

from crm_customers.common.access import Caller
from crm_customers.customers import events
from crm_customers.customers import service as customers
from crm_customers.customers.schemas import CustomerOut
from crm_customers.db import utcnow
from crm_customers.transfers import callers, repository
from crm_customers.transfers.models import ExportJob, TransferFile
from crmkit.access import FieldAccess
from crmkit.errors import InvalidInput, NotFound
from crmkit.pagination import MAX_LIMIT

ENTITIES = ("customers",)
FORMATS = ("csv", "xlsx")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
COLUMNS = (
    "id",
    "kind",
    "name",
    "short_name",
    "phones",
    "emails",
    "website",
    "province",
    "city",
    "district",
    "street",
    "latitude",
    "longitude",
    "industry",
    "scale",
    "source",
    "level",
    "status",
    "tags",
    "owner_id",
    "department_id",
    "credit_rating",
    "birthday",
    "notes",
    "created_at",
    "updated_at",
    "last_follow_up_at",
    "next_follow_up_at",
)
# Exports count their rows exactly (a threshold no tenant reaches).
EXACT_COUNT = 2**62
# Leading characters a spreadsheet would run as a formula.
_FORMULA_STARTS = ("=", "+", "@", "\t", "\r")


def queue_export(
    session: Session,
    *,
    caller: Caller,
    entity: str,
    filters: list[str],
    sort: str | None,
    file_format: str,
) -> ExportJob:
    caller.require("export")
    if entity not in ENTITIES:
        raise InvalidInput.on_field("entity", f"must be one of {', '.join(ENTITIES)}")
    if file_format not in FORMATS:
        raise InvalidInput.on_field("format", f"must be one of {', '.join(FORMATS)}")
    # The list's own checks: unknown fields, restricted fields, bad values are 422 now.
    customers.list_customers(
        session, caller=caller, filters=filters, sort=sort, limit=1, cursor=None, with_total=False
    )
    job = ExportJob(
        id=uuid.uuid4(),
        status="queued",
        entity=entity,
        filters=list(filters),
        sort=sort,
        file_format=file_format,
        caller=callers.snapshot(caller),
        created_by=caller.user_id,
        processed=0,
        created_at=utcnow(),
    )
    repository.add(session, job)
    return job


def get_export(session: Session, *, caller: Caller, job_id: uuid.UUID) -> ExportJob:
    job = repository.export_job(session, job_id)
    if job is None or (caller.user_id is not None and job.created_by != caller.user_id):
        raise NotFound("no such export")
    return job


def export_file(session: Session, *, caller: Caller, job_id: uuid.UUID) -> TransferFile:
    job = get_export(session, caller=caller, job_id=job_id)
    stored = repository.file(session, job.file_id) if job.file_id else None
    if stored is None:
        raise NotFound("the export has no file (yet)", status=job.status)
    return stored


def columns_for(caller: Caller, custom_keys: list[str]) -> list[str]:
    """Every column except those the caller's roles hide outright."""
    shown = []
    for column in COLUMNS:
        restricted = next(
            (name for name, attrs in customers.RESTRICTABLE.items() if column in attrs), column
        )
        if caller.grants.field_access("customers", restricted) is not FieldAccess.HIDDEN:
            shown.append(column)
    for key in custom_keys:
        if caller.grants.field_access("customers", key) is not FieldAccess.HIDDEN:
            shown.append(f"custom.{key}")
    return shown


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    text = str(value)
    if text.startswith(_FORMULA_STARTS) or (text.startswith("-") and not _numeric(text)):
        return "'" + text
    return text


def _numeric(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def row_of(customer: CustomerOut, columns: list[str]) -> list[str]:
    values = customer.model_dump()
    return [
        _cell(customer.custom.get(c.removeprefix("custom.")))
        if c.startswith("custom.")
        else _cell(values[c])
        for c in columns
    ]


def count_rows(session: Session, caller: Caller, job: ExportJob) -> int:
    """How many rows the export will write: an exact count (the export reads every row
    anyway), so its progress has a real total from the start."""
    found = customers.list_customers(
        session,
        caller=caller,
        filters=list(job.filters),
        sort=job.sort,
        limit=1,
        cursor=None,
        with_total=True,
        total_threshold=EXACT_COUNT,
    )
    return found.total or 0


def _pages(
    session: Session, caller: Caller, job: ExportJob, page_size: int
) -> Iterator[list[CustomerOut]]:
    cursor: str | None = None
    while True:
        page = customers.list_customers(
            session,
            caller=caller,
            filters=list(job.filters),
            sort=job.sort,
            limit=page_size,
            cursor=cursor,
            with_total=False,
        )
        if page.items:
            yield page.items
        if page.next_cursor is None:
            return
        cursor = page.next_cursor


class _CsvFile:
    """Rows go to a temporary file as they come (memory only past 8 MB is disk)."""

    media_type = "text/csv; charset=utf-8"

    def __init__(self, columns: list[str]) -> None:
        self._raw = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115
        # The BOM makes Excel read UTF-8.
        self._text = io.TextIOWrapper(self._raw, encoding="utf-8-sig", newline="")
        self._writer = csv.writer(self._text)
        self._writer.writerow(columns)

    def add(self, rows: list[list[str]]) -> None:
        self._writer.writerows(rows)

    def content(self) -> bytes:
        self._text.flush()
        self._raw.seek(0)
        data = self._raw.read()
        self._text.close()
        return data


class _XlsxFile:
    """openpyxl's write-only workbook keeps appended rows in a temporary file, not memory."""

    media_type = XLSX_TYPE

    def __init__(self, columns: list[str]) -> None:
        from openpyxl import Workbook  # type: ignore[import-untyped]

        self._book = Workbook(write_only=True)
        self._sheet = self._book.create_sheet("customers")
        self._sheet.append(columns)

    def add(self, rows: list[list[str]]) -> None:
        for row in rows:
            self._sheet.append(row)

    def content(self) -> bytes:
        buffer = io.BytesIO()
        self._book.save(buffer)
        return buffer.getvalue()


def write_export(
    session: Session,
    job: ExportJob,
    *,
    chunk_rows: int,
    on_chunk: Callable[[int], None] = lambda written: None,
) -> None:
    """Write the file a page at a time, telling `on_chunk` the rows written so far every
    `chunk_rows` rows; then store it and record the export (the caller commits)."""
    caller = callers.restore(job.caller)
    keys = sorted(customers.custom_keys(session))
    columns = columns_for(caller, keys)
    out = _CsvFile(columns) if job.file_format == "csv" else _XlsxFile(columns)
    written = reported = 0
    for page in _pages(session, caller, job, page_size=max(1, min(chunk_rows, MAX_LIMIT))):
        out.add([row_of(c, columns) for c in page])
        written += len(page)
        if written - reported >= chunk_rows:
            on_chunk(written)
            reported = written
    content = out.content()
    stamp = utcnow()
    stored = TransferFile(
        id=uuid.uuid4(),
        name=f"customers-{stamp:%Y%m%d-%H%M%S}.{job.file_format}",
        media_type=out.media_type,
        size=len(content),
        content=content,
        created_at=stamp,
    )
    repository.add(session, stored)
    job.file_id = stored.id
    # The count made at the start may have moved meanwhile: the file's rows are the truth.
    job.total = job.processed = written
    job.status = "done"
    job.finished_at = stamp
    events.publish(
        session,
        "exported",
        {
            "actor_id": str(job.created_by) if job.created_by else None,
            "export_id": str(job.id),
            "entity": job.entity,
            "format": job.file_format,
            "filters": list(job.filters),
            "rows": written,
            "columns": columns,
        },
    )
