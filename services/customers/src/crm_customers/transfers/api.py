"""Imports and exports of customers: uploads, previews, saved mappings, job status, the
import report and the export file."""

import csv
import io
import json
import logging
import uuid
from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Query, Response, UploadFile
from fastapi.responses import StreamingResponse
from sqlalchemy import event
from sqlalchemy.orm import Session

from crm_customers.common.access import Caller
from crm_customers.common.http import CurrentCaller
from crm_customers.db import utcnow
from crm_customers.settings import get_customers_settings
from crm_customers.transfers import exporting, importing
from crm_customers.transfers.models import ExportJob, ImportJob, ImportMapping, TransferFile
from crm_customers.transfers.schemas import (
    ExportIn,
    ExportOut,
    ImportOut,
    ImportRowOut,
    ImportRowPage,
    MappingIn,
    MappingList,
    MappingOut,
    PreviewOut,
    Queued,
    UploadOut,
)
from crmkit.errors import InvalidInput
from crmkit.http import TenantSession
from crmkit.tenancy import current_tenant

router = APIRouter(prefix="/api/v1", tags=["imports and exports"])
log = logging.getLogger(__name__)

ERRORS: dict[int | str, dict[str, str]] = {
    403: {"description": "Missing customers:import / customers:export, or a restricted field"},
    404: {"description": "No such job (or not yours)"},
    413: {"description": "The file is larger than the limit (`limit`)"},
    422: {"description": "Invalid input; `errors` names the field"},
}
# A queued job nobody started this long after it was queued is queued again (its message
# may have been lost); a second delivery is harmless.
REQUEUE_AFTER = timedelta(minutes=2)

FileField = Annotated[UploadFile, File(description="CSV (UTF-8 or GBK) or XLSX")]
OptionalFile = Annotated[UploadFile | None, File(description="CSV (UTF-8 or GBK) or XLSX")]
UploadIdField = Annotated[
    uuid.UUID | None, Form(description="A file kept by `POST /imports/uploads`, instead of `file`")
]
MappingField = Annotated[str | None, Form(description="JSON {column header: field}")]
OnDuplicate = Annotated[str, Form(description="skip, update or create")]


def _enqueue_after_commit(session: Session, task_name: str, job_id: uuid.UUID) -> None:
    """The job is queued once its row is committed, so a worker always finds it."""
    tenant = current_tenant()

    def send(_: Session) -> None:
        _send(task_name, job_id, tenant)

    event.listen(session, "after_commit", send, once=True)


def _send(task_name: str, job_id: uuid.UUID, tenant: uuid.UUID) -> None:
    from crm_customers.transfers import tasks
    from crmkit.jobs import TENANT_HEADER

    task = tasks.run_import if task_name == "import" else tasks.run_export
    try:
        task.apply_async(args=[str(job_id)], headers={TENANT_HEADER: str(tenant)})
    except Exception:  # the job stays queued and is sent again when its status is read
        log.exception("could not queue %s job %s", task_name, job_id)


async def _content(file: UploadFile) -> bytes:
    limit = get_customers_settings().import_max_bytes
    importing.check_size(file.size or 0, limit)
    content = await file.read(limit + 1)
    importing.check_size(len(content), limit)
    return content


def _import_out(job: ImportJob) -> ImportOut:
    return ImportOut(
        id=job.id,
        status=job.status,
        on_duplicate=job.on_duplicate,
        processed=job.processed,
        total=job.total,
        created=job.created,
        updated=job.updated,
        skipped=job.skipped,
        failed=job.failed,
        report_url=f"/api/v1/imports/{job.id}/report" if job.status == "done" else None,
        error=job.error,
        created_at=job.created_at,
        finished_at=job.finished_at,
    )


def _mapping_out(saved: ImportMapping) -> MappingOut:
    return MappingOut.model_validate(saved, from_attributes=True)


@router.get("/imports/mappings", response_model=MappingList, responses=ERRORS)
def list_mappings(session: TenantSession, caller: CurrentCaller) -> MappingList:
    """Saved column mappings of the tenant."""
    return MappingList(
        items=[_mapping_out(m) for m in importing.list_mappings(session, caller=caller)]
    )


@router.post("/imports/mappings", status_code=201, response_model=MappingOut, responses=ERRORS)
def save_mapping(data: MappingIn, session: TenantSession, caller: CurrentCaller) -> MappingOut:
    saved = importing.save_mapping(
        session,
        caller=caller,
        name=data.name,
        columns=data.mapping,
        on_duplicate=data.on_duplicate,
    )
    return _mapping_out(saved)


@router.post("/imports/uploads", status_code=201, response_model=UploadOut, responses=ERRORS)
async def upload(session: TenantSession, caller: CurrentCaller, file: FileField) -> UploadOut:
    """Keep a file for an import to start later: previews and the import then name it by
    `upload_id` instead of sending it again. Only its uploader may use it; it is deleted a
    day after upload if no import started from it."""
    stored = importing.store_upload(
        session, caller=caller, name=file.filename or "", content=await _content(file)
    )
    return UploadOut(id=stored.id, name=stored.name, size=stored.size)


@router.get("/imports/uploads/{upload_id}", response_model=UploadOut, responses=ERRORS)
def get_upload(upload_id: uuid.UUID, session: TenantSession, caller: CurrentCaller) -> UploadOut:
    """A file of the caller's waiting for its import (404 once the import started)."""
    stored = importing.upload_of(session, caller=caller, upload_id=upload_id)
    return UploadOut(id=stored.id, name=stored.name, size=stored.size)


async def _file_or_upload(
    session: Session, caller: Caller, file: UploadFile | None, upload_id: uuid.UUID | None
) -> tuple[str, bytes, TransferFile | None]:
    if (file is None) == (upload_id is None):
        raise InvalidInput.on_field("file", "send either a file or an upload_id")
    if upload_id is not None:
        stored = importing.upload_of(session, caller=caller, upload_id=upload_id)
        return stored.name, stored.content, stored
    assert file is not None  # noqa: S101 - one of the two, checked above
    return file.filename or "", await _content(file), None


@router.post("/imports/preview", response_model=PreviewOut, responses=ERRORS)
async def preview(
    session: TenantSession,
    caller: CurrentCaller,
    file: OptionalFile = None,
    upload_id: UploadIdField = None,
    mapping: MappingField = None,
    on_duplicate: OnDuplicate = "skip",
) -> dict[str, Any]:
    """The first rows mapped and checked, without importing anything. Without `mapping`,
    one is suggested from the header. The file, or the `upload_id` of one uploaded before."""
    name, content, _ = await _file_or_upload(session, caller, file, upload_id)
    return importing.preview(
        session,
        caller=caller,
        name=name,
        content=content,
        raw_mapping=mapping,
        on_duplicate=on_duplicate,
    )


@router.post("/imports", status_code=202, response_model=Queued, responses=ERRORS)
async def start_import(
    session: TenantSession,
    caller: CurrentCaller,
    file: OptionalFile = None,
    upload_id: UploadIdField = None,
    mapping: MappingField = None,
    on_duplicate: OnDuplicate = "skip",
) -> Queued:
    """The file, or the `upload_id` of one uploaded before (used up by this import)."""
    name, content, stored = await _file_or_upload(session, caller, file, upload_id)
    job = importing.queue_import(
        session,
        caller=caller,
        name=name,
        content=content,
        raw_mapping=mapping,
        on_duplicate=on_duplicate,
        upload=stored,
    )
    _enqueue_after_commit(session, "import", job.id)
    return Queued(id=job.id, status=job.status)


@router.get("/imports/{import_id}", response_model=ImportOut, responses=ERRORS)
def get_import(import_id: uuid.UUID, session: TenantSession, caller: CurrentCaller) -> ImportOut:
    job = importing.get_import(session, caller=caller, job_id=import_id)
    if job.status == "queued" and job.created_at < utcnow() - REQUEUE_AFTER:
        _send("import", job.id, current_tenant())
    return _import_out(job)


@router.get(
    "/imports/{import_id}/report",
    responses={200: {"content": {"text/csv": {}}}, **ERRORS},
    response_class=Response,
)
def import_report(
    import_id: uuid.UUID, session: TenantSession, caller: CurrentCaller
) -> StreamingResponse:
    """Every row's outcome: `row, outcome, customer_id, field, reason, errors` (CSV, UTF-8;
    `errors` the JSON `[{field, reason, code, params}]` of a row not imported)."""
    job = importing.get_import(session, caller=caller, job_id=import_id)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for line in importing.report_lines(session, job):
        writer.writerow(line)
    body = buffer.getvalue().encode("utf-8-sig")
    return StreamingResponse(
        iter([body]),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="import-{job.id}-report.csv"'},
    )


@router.get("/imports/{import_id}/rows", response_model=ImportRowPage, responses=ERRORS)
def import_rows(
    import_id: uuid.UUID,
    session: TenantSession,
    caller: CurrentCaller,
    outcome: Annotated[
        str | None, Query(description="Comma-separated: created, updated, skipped, failed")
    ] = None,
    limit: int = 50,
    cursor: str | None = None,
) -> ImportRowPage:
    """The report's rows as JSON, a page at a time in row order (e.g. `outcome=failed,skipped`
    for the rows not imported); `errors` as in the report."""
    job = importing.get_import(session, caller=caller, job_id=import_id)
    kinds = importing.outcome_kinds(outcome)
    rows, next_cursor = importing.row_outcomes(
        session, job, kinds=kinds, limit=limit, cursor=cursor
    )
    items = [
        ImportRowOut(row=r.row, outcome=r.outcome, customer_id=r.customer_id, errors=r.errors)
        for r in rows
    ]
    return ImportRowPage(items=items, next_cursor=next_cursor)


def _export_out(job: ExportJob) -> ExportOut:
    return ExportOut(
        id=job.id,
        status=job.status,
        entity=job.entity,
        format=job.file_format,
        filter=list(job.filters),
        total=job.total,
        processed=job.processed,
        file_url=f"/api/v1/exports/{job.id}/file" if job.file_id else None,
        error=job.error,
        created_at=job.created_at,
        finished_at=job.finished_at,
    )


@router.post("/exports", status_code=202, response_model=Queued, responses=ERRORS)
def start_export(data: ExportIn, session: TenantSession, caller: CurrentCaller) -> Queued:
    """The customer list as the caller sees it (filters, scope, field rules, masking) as a
    CSV or XLSX file; needs `customers:export`."""
    filters = [data.filter] if isinstance(data.filter, str) else list(data.filter or [])
    job = exporting.queue_export(
        session,
        caller=caller,
        entity=data.entity,
        filters=filters,
        sort=data.sort,
        file_format=data.format,
    )
    _enqueue_after_commit(session, "export", job.id)
    return Queued(id=job.id, status=job.status)


@router.get("/exports/{export_id}", response_model=ExportOut, responses=ERRORS)
def get_export(export_id: uuid.UUID, session: TenantSession, caller: CurrentCaller) -> ExportOut:
    job = exporting.get_export(session, caller=caller, job_id=export_id)
    if job.status == "queued" and job.created_at < utcnow() - REQUEUE_AFTER:
        _send("export", job.id, current_tenant())
    return _export_out(job)


@router.get(
    "/exports/{export_id}/file",
    responses={200: {"content": {"text/csv": {}, exporting.XLSX_TYPE: {}}}, **ERRORS},
    response_class=Response,
)
def export_file(export_id: uuid.UUID, session: TenantSession, caller: CurrentCaller) -> Response:
    stored = exporting.export_file(session, caller=caller, job_id=export_id)
    return Response(
        stored.content,
        media_type=stored.media_type,
        headers={"Content-Disposition": f'attachment; filename="{stored.name}"'},
    )


__all__ = ["json", "router"]
