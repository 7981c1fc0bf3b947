import uuid
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    String,
    Table,
    and_,
    cast,
    delete,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY, array
from sqlalchemy.orm import Session

from crm_customers.contacts.models import Contact
from crm_customers.custom_fields.models import CustomUniqueValue
from crm_customers.customers import repository as customers
from crm_customers.customers.models import Customer, CustomerChange
from crm_customers.transfers.models import (
    ExportJob,
    ImportJob,
    ImportMapping,
    ImportRow,
    TransferFile,
)


def _table(model: Any) -> Table:
    """A model's table for Core bulk INSERTs (one statement for many rows)."""
    table: Table = model.__table__
    return table


def add(session: Session, item: Any) -> None:
    session.add(item)
    session.flush()


def import_job(session: Session, job_id: uuid.UUID, *, lock: bool = False) -> ImportJob | None:
    query = select(ImportJob).where(ImportJob.id == job_id)
    if lock:
        query = query.with_for_update()
    return session.scalar(query)


def export_job(session: Session, job_id: uuid.UUID, *, lock: bool = False) -> ExportJob | None:
    query = select(ExportJob).where(ExportJob.id == job_id)
    if lock:
        query = query.with_for_update()
    return session.scalar(query)


def claim_export(session: Session, job_id: uuid.UUID) -> bool:
    """Whether this transaction now writes the export (a second delivery of a job being
    written gets False). The lock dies with the transaction or its connection."""
    key = func.hashtextextended(f"customers.export:{job_id}", 0)
    return bool(session.scalar(select(func.pg_try_advisory_xact_lock(key))))


def set_export_progress(session: Session, job_id: uuid.UUID, **values: Any) -> None:
    session.execute(update(ExportJob).where(ExportJob.id == job_id).values(**values))


def file(session: Session, file_id: uuid.UUID) -> TransferFile | None:
    return session.get(TransferFile, file_id)


def delete_waiting_files(session: Session, *, before: datetime) -> int:
    """Uploads still waiting for their import since before `before`."""
    result = session.execute(
        delete(TransferFile).where(
            TransferFile.uploaded_by.is_not(None), TransferFile.created_at < before
        )
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def mappings(session: Session) -> list[ImportMapping]:
    return list(session.scalars(select(ImportMapping).order_by(ImportMapping.name)))


def mapping_named(session: Session, name: str) -> ImportMapping | None:
    return session.scalar(select(ImportMapping).where(ImportMapping.name == name))


def outcomes(
    session: Session,
    job_id: uuid.UUID,
    *,
    kinds: Sequence[str] = (),
    after_row: int | None = None,
    limit: int | None = None,
    batch: int = 5000,
) -> Iterator[ImportRow]:
    """A job's row outcomes in row order: all of them (the report), or a keyset page of
    some kinds (`kinds`, rows after `after_row`; the primary key `(job_id, row)` orders it)."""
    query = select(ImportRow).where(ImportRow.job_id == job_id).order_by(ImportRow.row)
    if kinds:
        query = query.where(ImportRow.outcome.in_(list(kinds)))
    if after_row is not None:
        query = query.where(ImportRow.row > after_row)
    if limit is not None:
        query = query.limit(limit)
    yield from session.scalars(query.execution_options(yield_per=batch))


def add_outcomes(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        session.execute(insert(_table(ImportRow)), list(rows))


def add_customers(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        session.execute(insert(_table(Customer)), list(rows))


def add_changes(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        session.execute(insert(_table(CustomerChange)), list(rows))


def add_contacts(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        session.execute(insert(_table(Contact)), list(rows))


def _text_array(values: Sequence[str]) -> Any:
    return cast(array(list(values)), ARRAY(String))


def likely_duplicates(
    session: Session,
    *,
    company_keys: Sequence[str],
    bridge_keys: Sequence[str],
    person_phones: Sequence[str],
    emails: Sequence[str],
) -> list[tuple[uuid.UUID, str, str, str | None, list[str], list[str]]]:
    """Live customers sharing a company name key, a person's phone or an e-mail with any
    of a chunk's rows (one query for the chunk), oldest first."""
    conditions: list[ColumnElement[bool]] = []
    if company_keys:
        conditions.append(
            and_(Customer.kind == "company", Customer.name_key.in_(sorted(set(company_keys))))
        )
    if bridge_keys:
        conditions.append(Customer.name_bridge_key.in_(sorted(set(bridge_keys))))
    if person_phones:
        conditions.append(
            and_(
                Customer.kind == "person",
                Customer.phones.has_any(_text_array(sorted(set(person_phones)))),
            )
        )
    if emails:
        conditions.append(Customer.emails.has_any(_text_array(sorted(set(emails)))))
    if not conditions:
        return []
    live = customers.live().where(or_(*conditions)).order_by(Customer.created_at, Customer.id)
    query = live.with_only_columns(
        Customer.id,
        Customer.kind,
        Customer.name_key,
        Customer.name_bridge_key,
        Customer.phones,
        Customer.emails,
    )
    return [tuple(row) for row in session.execute(query)]


def unique_holders(
    session: Session, field_id: uuid.UUID, values: Sequence[str]
) -> dict[str, uuid.UUID]:
    query = select(CustomUniqueValue.value, CustomUniqueValue.record_id).where(
        CustomUniqueValue.field_id == field_id, CustomUniqueValue.value.in_(list(values))
    )
    return {value: record for value, record in session.execute(query)}


def claim_unique(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        session.execute(insert(CustomUniqueValue), list(rows))
