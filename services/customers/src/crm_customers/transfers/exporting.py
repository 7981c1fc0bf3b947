"""Exports of the customer list as a job: the caller's filters, sort, data scope, field
rules and masking, exactly as `GET /api/v1/customers` shows them (the export pages
through `customers.service.list_customers` itself). Columns a role hides are left out.
Every finished export is reported to identity's audit log (`customers.customer.exported`).
"""

import csv
import io
import uuid
from collections.abc import Iterator
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


def _pages(session: Session, caller: Caller, job: ExportJob) -> Iterator[list[CustomerOut]]:
    cursor: str | None = None
    while True:
        page = customers.list_customers(
            session,
            caller=caller,
            filters=list(job.filters),
            sort=job.sort,
            limit=MAX_LIMIT,
            cursor=cursor,
            with_total=False,
        )
        if page.items:
            yield page.items
        if page.next_cursor is None:
            return
        cursor = page.next_cursor


def write_export(session: Session, job: ExportJob) -> None:
    """Build the file, store it and record the export (the task commits once)."""
    caller = callers.restore(job.caller)
    keys = sorted(customers.custom_keys(session))
    columns = columns_for(caller, keys)
    rows: list[list[str]] = []
    for page in _pages(session, caller, job):
        rows += [row_of(c, columns) for c in page]
    content = _csv(columns, rows) if job.file_format == "csv" else _xlsx(columns, rows)
    stamp = utcnow()
    stored = TransferFile(
        id=uuid.uuid4(),
        name=f"customers-{stamp:%Y%m%d-%H%M%S}.{job.file_format}",
        media_type="text/csv; charset=utf-8" if job.file_format == "csv" else XLSX_TYPE,
        size=len(content),
        content=content,
        created_at=stamp,
    )
    repository.add(session, stored)
    job.file_id = stored.id
    job.total = job.processed = len(rows)
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
            "rows": len(rows),
            "columns": columns,
        },
    )


def _csv(columns: list[str], rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(columns)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8-sig")  # the BOM makes Excel read UTF-8


def _xlsx(columns: list[str], rows: list[list[str]]) -> bytes:
    from openpyxl import Workbook  # type: ignore[import-untyped]

    book = Workbook(write_only=True)
    sheet = book.create_sheet("customers")
    sheet.append(columns)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
