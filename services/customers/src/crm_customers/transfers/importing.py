"""Imports of customers (and a contact each) from a CSV or XLSX file, as a job.

The API stores the file and a job; a worker reads the file a chunk at a time. Each chunk
commits its customers, their contacts, history and events, every row's outcome and the
job's progress in one transaction, so a worker killed mid-job loses or repeats nothing:
the next delivery starts after the last committed chunk. Duplicates are looked up once
per chunk (name keys, phones, e-mails as `customers` defines them) and new customers are
inserted in bulk; rows of one file that duplicate each other count too.
"""

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import SimpleNamespace
from typing import Any

from sqlalchemy.orm import Session

from crm_customers.common.access import Caller
from crm_customers.common.bridging import other_script
from crm_customers.contacts import service as contacts
from crm_customers.contacts.models import Contact
from crm_customers.contacts.schemas import ContactCreate
from crm_customers.custom_fields import service as custom_fields
from crm_customers.custom_fields.models import CustomField
from crm_customers.custom_fields.schemas import Entity
from crm_customers.customers import events
from crm_customers.customers import repository as customers_repository
from crm_customers.customers import service as customers
from crm_customers.customers.models import Customer
from crm_customers.customers.schemas import CustomerPatch, DuplicateRules
from crm_customers.db import utcnow
from crm_customers.insights import geocoding, potential
from crm_customers.staff import repository as staff
from crm_customers.transfers import callers, mapping, repository
from crm_customers.transfers.models import ImportJob, ImportMapping, ImportRow, TransferFile
from crm_customers.transfers.parsing import Sheet, file_format
from crm_customers.transfers.rows import Candidate, RowReader
from crmkit import pagination
from crmkit.errors import (
    Conflict,
    CrmError,
    FieldError,
    InvalidInput,
    NotFound,
)
from crmkit.events.outbox import record_events

ON_DUPLICATE = ("skip", "update", "create")
DUPLICATE_OUTCOMES = {"skip": "skipped", "update": "updated", "create": "created"}
FINISHED = ("done", "failed")
ROW_OUTCOMES = ("created", "updated", "skipped", "failed")
PREVIEW_ROWS = 20
DUPLICATE_REASON = "likely duplicate of an existing customer"
HIDDEN_DUPLICATE_REASON = "likely duplicate of a customer you may not change"


class FileTooLarge(CrmError):
    code, title, http_status = "file_too_large", "File too large", 413


# ------------------------------------------------------------------------------ queueing


def check_upload(caller: Caller, on_duplicate: str) -> None:
    caller.require("import")
    caller.require("create")
    if caller.user_id is None:
        raise InvalidInput("imports belong to users: the importer owns what is created")
    if on_duplicate not in ON_DUPLICATE:
        raise InvalidInput.on_field("on_duplicate", f"must be one of {', '.join(ON_DUPLICATE)}")
    if on_duplicate == "update":
        caller.require("update")
    if on_duplicate == "create":
        caller.require("force_create")  # as `force: true` on POST /customers


def check_size(size: int, limit: int) -> None:
    if size > limit:
        raise FileTooLarge(
            f"file: larger than the limit of {limit} bytes ({limit // (1024 * 1024)} MB)",
            errors=[FieldError("file", f"at most {limit} bytes")],
            limit=limit,
        )


def _customer_fields(session: Session) -> dict[str, CustomField]:
    return {f.key: f for f in custom_fields.list_fields(session, entity=Entity.CUSTOMER)}


def _read_upload(
    session: Session, *, caller: Caller, name: str, content: bytes, raw_mapping: str | None
) -> tuple[Sheet, list[str], dict[str, str]]:
    if not content:
        raise InvalidInput.on_field("file", "the file is empty")
    sheet = Sheet(file_format(name, content), content)
    header = sheet.header()
    fields = _customer_fields(session)
    chosen = (
        mapping.parse(raw_mapping) if raw_mapping is not None else mapping.suggest(header, fields)
    )
    if raw_mapping is None and "name" not in chosen.values():
        return sheet, header, chosen  # a preview without a mapping only suggests one
    return sheet, header, mapping.check(chosen, header=header, custom_fields=fields, caller=caller)


UPLOAD_KEPT = timedelta(days=1)


def _stored(name: str, sheet: Sheet, content: bytes) -> TransferFile:
    return TransferFile(
        id=uuid.uuid4(),
        name=name[:255] or "import",
        media_type="text/csv" if sheet.format == "csv" else XLSX_TYPE,
        size=len(content),
        content=content,
        created_at=utcnow(),
    )


def store_upload(session: Session, *, caller: Caller, name: str, content: bytes) -> TransferFile:
    """Keep a file for an import its uploader will start later, after previews by its id;
    refused now if it is not a sheet we can read."""
    check_upload(caller, "skip")
    if not content:
        raise InvalidInput.on_field("file", "the file is empty")
    sheet = Sheet(file_format(name, content), content)
    sheet.header()
    stored = _stored(name, sheet, content)
    stored.uploaded_by = caller.user_id
    repository.add(session, stored)
    return stored


def upload_of(session: Session, *, caller: Caller, upload_id: uuid.UUID) -> TransferFile:
    """A waiting upload of the caller's; anyone else's, or one already imported, is 404."""
    stored = repository.file(session, upload_id)
    if stored is None or stored.uploaded_by is None or stored.uploaded_by != caller.user_id:
        raise NotFound("no such upload (or its import has started)")
    return stored


def purge_uploads(session: Session, *, now: datetime) -> int:
    """Uploads left waiting longer than a day: their imports were never started."""
    return repository.delete_waiting_files(session, before=now - UPLOAD_KEPT)


def queue_import(
    session: Session,
    *,
    caller: Caller,
    name: str,
    content: bytes,
    raw_mapping: str | None,
    on_duplicate: str,
    upload: TransferFile | None = None,
) -> ImportJob:
    """Queue an import of `content`, or of the caller's `upload` (which then belongs to the
    job: a second start from it is 404)."""
    check_upload(caller, on_duplicate)
    if raw_mapping is None:
        raise InvalidInput.on_field("mapping", "required: a JSON object {column: field}")
    sheet, _, chosen = _read_upload(
        session, caller=caller, name=name, content=content, raw_mapping=raw_mapping
    )
    if upload is None:
        stored = _stored(name, sheet, content)
        repository.add(session, stored)
    else:
        stored, upload.uploaded_by = upload, None
    job = ImportJob(
        id=uuid.uuid4(),
        status="queued",
        file_id=stored.id,
        file_format=sheet.format,
        mapping=chosen,
        on_duplicate=on_duplicate,
        caller=callers.snapshot(caller),
        created_by=caller.user_id,
        processed=0,
        created=0,
        updated=0,
        skipped=0,
        failed=0,
        created_at=utcnow(),
    )
    repository.add(session, job)
    return job


XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def preview(
    session: Session,
    *,
    caller: Caller,
    name: str,
    content: bytes,
    raw_mapping: str | None,
    on_duplicate: str,
) -> dict[str, Any]:
    """The first rows as they would be imported, each with its problems and, for a likely
    duplicate, what would become of it. Writes nothing."""
    check_upload(caller, on_duplicate)
    sheet, header, chosen = _read_upload(
        session, caller=caller, name=name, content=content, raw_mapping=raw_mapping
    )
    rows: list[dict[str, Any]] = []
    if "name" in chosen.values():
        reader = RowReader(session, header=header, mapping=chosen)
        candidates = [reader.read(n, cells) for n, cells in _first(sheet.rows(), PREVIEW_ROWS)]
        matches = _matches(session, customers.duplicate_rules(session), candidates)
        for candidate in candidates:
            shown: dict[str, Any] = {"row": candidate.row, "values": candidate.as_json()}
            keys = matches.keys_of(candidate)
            found = matches.find(keys) if not candidate.errors else None
            if found is None and not candidate.errors:
                reader.complete_for_create(candidate)
            if found is not None:
                shown["duplicate_of"] = str(found[0])
                shown["outcome"] = DUPLICATE_OUTCOMES[on_duplicate]
            else:
                shown["outcome"] = "failed" if candidate.errors else "created"
            if found is None or on_duplicate == "create":
                matches.add(candidate.customer_id, keys)
            shown["errors"] = [e.as_dict() for e in candidate.errors]
            rows.append(shown)
    return {
        "format": sheet.format,
        "columns": header,
        "mapping": chosen,
        "rows": rows,
    }


def _first(rows: Iterator[tuple[int, list[str]]], n: int) -> list[tuple[int, list[str]]]:
    taken = []
    for item in rows:
        taken.append(item)
        if len(taken) >= n:
            break
    return taken


def get_import(session: Session, *, caller: Caller, job_id: uuid.UUID) -> ImportJob:
    """An import its requester asked for; anyone else's is 404."""
    job = repository.import_job(session, job_id)
    if job is None or (caller.user_id is not None and job.created_by != caller.user_id):
        raise NotFound("no such import")
    return job


def report_lines(session: Session, job: ImportJob) -> Iterator[list[str]]:
    """The report's lines; `errors` repeats a line's fields and reasons as JSON with their
    `code` and `params`, so a client can word them in its user's language."""
    yield ["row", "outcome", "customer_id", "field", "reason", "errors"]
    for outcome in repository.outcomes(session, job.id):
        yield [
            str(outcome.row),
            outcome.outcome,
            str(outcome.customer_id) if outcome.customer_id else "",
            "; ".join(e["field"] for e in outcome.errors),
            "; ".join(e["reason"] for e in outcome.errors),
            json.dumps(outcome.errors, ensure_ascii=False) if outcome.errors else "",
        ]


def outcome_kinds(raw: str | None) -> list[str]:
    """`failed,skipped` → the outcomes asked for (none: every outcome)."""
    kinds = [k.strip() for k in (raw or "").split(",") if k.strip()]
    unknown = [k for k in kinds if k not in ROW_OUTCOMES]
    if unknown:
        raise InvalidInput.on_field(
            "outcome", f"unknown outcome {unknown[0]!r}; use {', '.join(ROW_OUTCOMES)}"
        )
    return kinds


def row_outcomes(
    session: Session, job: ImportJob, *, kinds: list[str], limit: int, cursor: str | None
) -> tuple[list[ImportRow], str | None]:
    """A page of the report's rows (the same stored outcomes `report_lines` writes), in row
    order. The cursor is the last row's number and the job's id, so it fits no other job."""
    pagination.check_limit(limit)
    after_row = None
    if cursor:
        last_row, job_id = pagination.decode_cursor(cursor)
        if type(last_row) is not int or job_id != str(job.id):
            raise InvalidInput.on_field("cursor", "not a cursor this API issued")
        after_row = last_row
    rows = list(
        repository.outcomes(session, job.id, kinds=kinds, after_row=after_row, limit=limit + 1)
    )
    return pagination.page_of(rows, limit=limit, key_of=lambda r: (r.row, str(job.id)))


def list_mappings(session: Session, *, caller: Caller) -> list[ImportMapping]:
    caller.require("import")
    return repository.mappings(session)


def save_mapping(
    session: Session, *, caller: Caller, name: str, columns: dict[str, Any], on_duplicate: str
) -> ImportMapping:
    check_upload(caller, on_duplicate)
    chosen = mapping.check(
        mapping.check_shape(columns),
        header=None,
        custom_fields=_customer_fields(session),
        caller=caller,
    )
    if repository.mapping_named(session, name) is not None:
        raise Conflict(f"a mapping named {name!r} exists", errors=[FieldError("name", "taken")])
    saved = ImportMapping(
        id=uuid.uuid4(),
        name=name,
        mapping=chosen,
        on_duplicate=on_duplicate,
        created_by=caller.user_id,
        created_at=utcnow(),
    )
    repository.add(session, saved)
    return saved


# ------------------------------------------------------------------------------ duplicates


@dataclass
class Matches:
    """Keys of customers a row may duplicate, under the tenant's duplicate rules (as
    `POST /customers` checks them): those in the database and those created earlier from
    the same file. A company's name also matches the same name in the other script."""

    rules: DuplicateRules
    by_key: dict[tuple[str, str], uuid.UUID] = field(default_factory=dict)

    def keys(
        self,
        kind: str,
        name_key: str,
        bridge: str | None,
        phones: list[str],
        emails: list[str],
    ) -> list[tuple[str, str]]:
        """The keys a customer is found by."""
        keys: list[tuple[str, str]] = []
        if kind == "company" and self.rules.company_name and name_key:
            keys.append(("name", name_key))
            if bridge:
                keys.append(("bridge", bridge))
        if kind == "person" and self.rules.person_phone:
            keys += [("phone", p) for p in phones]
        if self.rules.email:
            keys += [("email", e) for e in emails]
        return keys

    def keys_of(self, candidate: Candidate) -> list[tuple[str, str]]:
        return self.keys(
            candidate.kind,
            candidate.name_key,
            candidate.bridge_key,
            candidate.phones,
            candidate.emails,
        )

    def add(self, customer_id: uuid.UUID, keys: list[tuple[str, str]]) -> None:
        for key in keys:
            self.by_key.setdefault(key, customer_id)

    def find(self, keys: list[tuple[str, str]]) -> tuple[uuid.UUID, str] | None:
        for rule, value in keys:
            probe = (rule, other_script(value)) if rule == "bridge" else (rule, value)
            if probe in self.by_key:
                return self.by_key[probe], "name" if rule == "bridge" else rule
        return None


def _matches(session: Session, rules: DuplicateRules, candidates: list[Candidate]) -> Matches:
    matches = Matches(rules)
    valid = [c for c in candidates if not c.errors]
    companies = [c for c in valid if c.kind == "company"] if rules.company_name else []
    phones = [p for c in valid if c.kind == "person" for p in c.phones]
    found = repository.likely_duplicates(
        session,
        company_keys=[c.name_key for c in companies],
        bridge_keys=[other_script(c.bridge_key) for c in companies if c.bridge_key],
        person_phones=phones if rules.person_phone else [],
        emails=[e for c in valid for e in c.emails] if rules.email else [],
    )
    for customer_id, kind, name_key, bridge, phones_, emails in found:
        keys = matches.keys(kind, name_key, bridge, list(phones_), list(emails))
        matches.add(customer_id, keys)
    return matches


# ------------------------------------------------------------------------------ writing


class Creator:
    """New customers of a chunk, written in bulk: rows, history, contacts, unique custom
    values, and each one's `customers.customer.created` (and contact) event."""

    def __init__(self, session: Session, caller: Caller) -> None:
        self.session = session
        self.caller = caller
        owner = staff.get(session, caller.user_id) if caller.user_id else None
        self.department_id = owner.department_id if owner else None
        # What `events.customer_event` adds to each event, read once per chunk, not per row.
        self.searchable = events.searchable_custom_keys(session)
        self.pending: set[uuid.UUID] = set()
        self._customers: list[dict[str, Any]] = []
        self._changes: list[dict[str, Any]] = []
        self._contacts: list[dict[str, Any]] = []
        self._claims: list[dict[str, Any]] = []
        self._events: list[tuple[str, dict[str, Any]]] = []
        self._located: dict[tuple[str | None, ...], tuple[Any, Any, bool]] = {}
        self._contact_events: list[tuple[str, dict[str, Any]]] = []

    def add(self, candidate: Candidate, claims: list[tuple[uuid.UUID, str]]) -> None:
        now = utcnow()
        actor = self.caller.user_id
        values: dict[str, Any] = {
            "id": candidate.customer_id,
            "kind": candidate.kind,
            "name": candidate.name,
            "name_key": candidate.name_key,
            **{name: None for name in _NULLABLE},
            **{k: v for k, v in candidate.values.items() if k != "tags"},
            "phones": candidate.phones,
            "emails": candidate.emails,
            "tags": list(dict.fromkeys(candidate.values.get("tags") or [])),
            "owner_id": actor,
            "department_id": self.department_id,
            "collaborator_ids": [],
            "custom": candidate.custom,
            "version": 1,
            "created_by": actor,
            "updated_by": actor,
            "created_at": now,
            "updated_at": now,
        }
        customer: Customer = _new_record(Customer, values)
        # What `customers.service.create_customer` derives for a new customer.
        customer.name_bridge_key = candidate.bridge_key
        self._geocode(customer, candidate.written)
        potential.score_new(customer)
        self._customers.append(_columns(Customer, customer))
        self._changes.append(
            {
                "id": uuid.uuid4(),
                "customer_id": customer.id,
                "actor_id": actor,
                "action": "created",
                "changes": customers.diff_snapshots({}, customers.snapshot(customer)),
                "at": now,
            }
        )
        data = {**events.customer_data(customer), "searchable_custom": self.searchable}
        self._events.append(("customers.customer.created", data))
        self._claims += [
            {"field_id": field_id, "value": value, "record_id": customer.id}
            for field_id, value in claims
        ]
        if candidate.contact is not None:
            contact_values = {
                "id": uuid.uuid4(),
                "customer_id": customer.id,
                **candidate.contact,
                "is_primary": True,
                "custom": {},
                "version": 1,
                "created_by": actor,
                "created_at": now,
                "updated_at": now,
            }
            contact: Contact = _new_record(Contact, contact_values)
            self._contacts.append(_columns(Contact, contact))
            contact_event = contacts.contact_data(contact)
            self._contact_events.append(("customers.contact.created", contact_event))
        self.pending.add(customer.id)

    def _geocode(self, customer: Customer, written: set[str]) -> None:
        """`geocoding.fill_coordinates`, once per distinct address of the chunk: for a new
        customer its answer depends on the address alone (rows of a file share a few
        cities, and locating one costs more than the rest of the row)."""
        if {"latitude", "longitude"} & written:
            geocoding.fill_coordinates(customer, written=written)
            return
        address = (customer.province, customer.city, customer.district, customer.street)
        if address not in self._located:
            geocoding.fill_coordinates(customer, written=written)
            self._located[address] = (customer.latitude, customer.longitude, customer.geocoded)
        customer.latitude, customer.longitude, customer.geocoded = self._located[address]

    def flush(self) -> None:
        repository.add_customers(self.session, self._customers)
        repository.add_changes(self.session, self._changes)
        repository.add_contacts(self.session, self._contacts)
        repository.claim_unique(self.session, self._claims)
        record_events(
            self.session, events=[*self._events, *self._contact_events], source=events.SOURCE
        )
        for batch in (self._customers, self._changes, self._contacts, self._claims):
            batch.clear()
        self._events.clear()
        self._contact_events.clear()
        self.pending.clear()


def _new_record(model: type[Customer] | type[Contact], values: dict[str, Any]) -> Any:
    """A new row as a plain object with every column (set, else its default): what the
    hooks and event builders read and write, then one dict per row for a bulk INSERT with
    the same keys for every row. ORM instances would cost more than the rest of a row."""
    row: dict[str, Any] = {}
    for column in model.__table__.columns:
        default = column.default
        if column.key in values:
            row[column.key] = values[column.key]
        elif default is not None and default.is_scalar:
            row[column.key] = default.arg
        elif default is not None and default.is_callable:
            row[column.key] = default.arg(None)
        else:
            row[column.key] = None
    return SimpleNamespace(**row)


def _columns(model: type[Customer] | type[Contact], record: Any) -> dict[str, Any]:
    return {column.key: getattr(record, column.key) for column in model.__table__.columns}


_NULLABLE = (
    "short_name",
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
    "credit_rating",
    "birthday",
    "notes",
    "last_follow_up_at",
    "next_follow_up_at",
    "deleted_at",
    "deleted_by",
    "merged_into_id",
)


class UniqueValues:
    """Values of `unique` custom fields: taken in the database, or by an earlier row."""

    def __init__(self, session: Session, reader: RowReader, candidates: list[Candidate]) -> None:
        self.fields = {k: f for k, f in reader.custom_fields.items() if f.unique}
        self.taken: dict[uuid.UUID, set[str]] = {}
        for key, custom in self.fields.items():
            forms = [
                custom_fields.unique_form(custom, c.custom[key])
                for c in candidates
                if c.custom.get(key) is not None
            ]
            held = repository.unique_holders(session, custom.id, forms) if forms else {}
            self.taken[custom.id] = set(held)

    def claim(self, candidate: Candidate) -> list[tuple[uuid.UUID, str]] | None:
        """The claims a new customer makes, or None (and the row failed) when one is taken."""
        claims = []
        for key, custom in self.fields.items():
            value = candidate.custom.get(key)
            if value is None:
                continue
            form = custom_fields.unique_form(custom, value)
            if form in self.taken[custom.id]:
                candidate.fail(f"custom.{key}", "another record already has this value", "taken")
                return None
            claims.append((custom.id, form))
        for field_id, form in claims:
            self.taken[field_id].add(form)
        return claims

    def note(self, candidate: Candidate) -> None:
        for key, custom in self.fields.items():
            if candidate.custom.get(key) is not None:
                self.taken[custom.id].add(custom_fields.unique_form(custom, candidate.custom[key]))


@dataclass
class Outcomes:
    job_id: uuid.UUID
    rows: list[dict[str, Any]] = field(default_factory=list)
    counts: dict[str, int] = field(
        default_factory=lambda: {"created": 0, "updated": 0, "skipped": 0, "failed": 0}
    )

    def add(
        self,
        row: int,
        outcome: str,
        customer_id: uuid.UUID | None = None,
        errors: list[FieldError] | None = None,
    ) -> None:
        self.rows.append(
            {
                "job_id": self.job_id,
                "row": row,
                "outcome": outcome,
                "customer_id": customer_id,
                "errors": [e.as_dict() for e in errors or []],
            }
        )
        self.counts[outcome] += 1


def process_chunk(
    session: Session,
    *,
    job: ImportJob,
    caller: Caller,
    header: list[str],
    rows: list[tuple[int, list[str]]],
) -> None:
    """Import `rows` and record what became of each and the job's progress (the caller
    commits, once, for the whole chunk)."""
    reader = RowReader(session, header=header, mapping=job.mapping)
    candidates = [reader.read(number, cells) for number, cells in rows]
    rules = customers.duplicate_rules(session)
    matches = (
        _matches(session, rules, candidates) if job.on_duplicate != "create" else Matches(rules)
    )
    unique = UniqueValues(session, reader, candidates)
    creator = Creator(session, caller)
    outcomes = Outcomes(job.id)
    for candidate in candidates:
        if candidate.errors:
            outcomes.add(candidate.row, "failed", errors=candidate.errors)
            continue
        keys = matches.keys_of(candidate)
        found = matches.find(keys) if job.on_duplicate != "create" else None
        if found is None:
            reader.complete_for_create(candidate)
            claims = unique.claim(candidate) if not candidate.errors else None
            if claims is None:
                outcomes.add(candidate.row, "failed", errors=candidate.errors)
                continue
            creator.add(candidate, claims)
            matches.add(candidate.customer_id, keys)
            outcomes.add(candidate.row, "created", candidate.customer_id)
        elif job.on_duplicate == "skip":
            existing, rule = found
            skipped = FieldError(rule, DUPLICATE_REASON, "likely_duplicate")
            outcomes.add(candidate.row, "skipped", existing, [skipped])
        else:
            existing, _ = found
            if existing in creator.pending:
                creator.flush()
            errors = _update(session, caller, existing, candidate)
            if errors:
                outcomes.add(candidate.row, "failed", existing, errors)
            else:
                unique.note(candidate)
                outcomes.add(candidate.row, "updated", existing)
    creator.flush()
    repository.add_outcomes(session, outcomes.rows)
    job.processed += len(rows)
    for name, count in outcomes.counts.items():
        setattr(job, name, getattr(job, name) + count)
    session.flush()


def _update(
    session: Session, caller: Caller, customer_id: uuid.UUID, candidate: Candidate
) -> list[FieldError]:
    """Write the row's values over the customer it duplicates, as `PATCH /customers/{id}`
    would for the importer; phones, e-mails and tags are added to those it has."""
    current = customers_repository.get(session, customer_id)
    if current is None or not caller.sees(current):
        return [FieldError("row", HIDDEN_DUPLICATE_REASON, "duplicate_not_changeable")]
    data: dict[str, Any] = {
        name: candidate.values.get(name) for name in candidate.written if name != "name"
    }
    if "tags" in data:
        data["tags"] = list(dict.fromkeys([*current.tags, *(data["tags"] or [])]))
    if candidate.phones:
        data["phones"] = list(dict.fromkeys([*current.phones, *candidate.phones]))
    if candidate.emails:
        data["emails"] = list(dict.fromkeys([*current.emails, *candidate.emails]))
    if candidate.custom:
        data["custom"] = candidate.custom
    try:
        with session.begin_nested():
            customers.update_customer(
                session,
                caller=caller,
                customer_id=customer_id,
                data=CustomerPatch.model_validate(data),
                expected_version=None,
            )
            if candidate.contact is not None:
                contacts.create_contact(
                    session,
                    caller=caller,
                    customer_id=customer_id,
                    data=ContactCreate.model_validate(candidate.contact),
                )
    except NotFound:
        return [FieldError("row", HIDDEN_DUPLICATE_REASON, "duplicate_not_changeable")]
    except CrmError as exc:
        field_name = str(exc.extra.get("field", "row"))
        return list(exc.errors) or [FieldError(field_name, exc.detail, exc.code)]
    return []


def finish(job: ImportJob, *, error: str | None = None) -> None:
    job.status = "failed" if error else "done"
    job.error = error
    if error is None:
        job.total = job.processed
    job.finished_at = utcnow()
