"""Custom fields: definitions per entity, validation of the values records carry, their
uniqueness, and how they are filtered and sorted like standard fields.

Values live in the record's `custom` JSON object under the field's key. A `unique` field
also claims (field id, normalised value) in `custom_unique_values`, whose primary key makes
two concurrent writers of one value collide in PostgreSQL itself: one wins, the other gets
`409`. Removing a definition hides its values (they stay in the records) until it is purged.
"""

import re
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import Boolean, ColumnElement, Date, DateTime, Numeric, cast
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from crm_customers.common.access import Caller
from crm_customers.common.normalize import email_key, phone_key
from crm_customers.custom_fields import repository
from crm_customers.custom_fields.models import CustomField
from crm_customers.custom_fields.schemas import CustomFieldIn, CustomFieldPatch, Entity, FieldKind
from crmkit.errors import Conflict, InvalidInput, NotFound, PreconditionFailed
from crmkit.filters import FieldType, Filterable

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_URL = re.compile(r"^https?://[^\s]+$", re.IGNORECASE)
_ADDRESS_PARTS = ("province", "city", "district", "street")
_UNIQUE_KINDS = {
    FieldKind.TEXT,
    FieldKind.NUMBER,
    FieldKind.MONEY,
    FieldKind.DATE,
    FieldKind.PHONE,
    FieldKind.EMAIL,
    FieldKind.URL,
    FieldKind.SINGLE_SELECT,
}


def list_fields(
    session: Session, *, entity: Entity | None, include_removed: bool = False
) -> list[CustomField]:
    return repository.all_fields(session, entity.value if entity else None, removed=include_removed)


def define_field(session: Session, *, caller: Caller, data: CustomFieldIn) -> CustomField:
    caller.require("manage_settings")
    if data.unique and data.type not in _UNIQUE_KINDS:
        raise InvalidInput.on_field("unique", f"a {data.type.value} field cannot be unique")
    if data.type in (FieldKind.SINGLE_SELECT, FieldKind.MULTI_SELECT) and not data.options:
        raise InvalidInput.on_field("options", "a select field needs options")
    removed = [
        f
        for f in repository.all_fields(session, data.entity.value, removed=True)
        if f.key == data.key
    ]
    if any(f.deleted_at is None for f in removed):
        raise Conflict(f"a {data.entity.value} field {data.key!r} exists")
    if removed:
        raise Conflict(f"a removed field {data.key!r} still holds values: purge it first")
    field = CustomField(
        entity=data.entity.value,
        key=data.key,
        label=data.label,
        type=data.type.value,
        required=data.required,
        unique=data.unique,
        searchable=data.searchable,
        shown_in_list=data.shown_in_list,
        help_text=data.help_text,
        position=data.position,
        options=list(data.options),
    )
    if data.default is not None:
        field.default = _coerce(field, data.default, name="default")
    repository.add(session, field)
    return field


def update_field(
    session: Session,
    *,
    caller: Caller,
    field_id: uuid.UUID,
    data: CustomFieldPatch,
    expected_version: int | None,
) -> CustomField:
    caller.require("manage_settings")
    field = repository.by_id(session, field_id)
    if field is None or field.deleted_at is not None:
        raise NotFound("no such custom field")
    if expected_version is not None and expected_version != field.version:
        raise PreconditionFailed("the field changed since you read it", version=field.version)
    changes = data.model_dump(exclude_unset=True)
    for name, value in changes.items():
        if name == "default":
            field.default = None if value is None else _coerce(field, value, name="default")
        elif value is not None:
            setattr(field, name, value)
    session.flush()
    return field


def remove_field(session: Session, *, caller: Caller, field_id: uuid.UUID) -> CustomField:
    """Hide the field and its values; `purge_field` destroys them."""
    caller.require("manage_settings")
    field = repository.by_id(session, field_id)
    if field is None or field.deleted_at is not None:
        raise NotFound("no such custom field")
    field.deleted_at = datetime.now(UTC)
    session.flush()
    return field


def purge_field(session: Session, *, caller: Caller, field_id: uuid.UUID) -> None:
    from crm_customers.contacts import repository as contacts
    from crm_customers.customers import repository as customers

    caller.require("manage_settings")
    field = repository.by_id(session, field_id)
    if field is None or field.deleted_at is None:
        raise NotFound("no removed custom field with this id")
    if field.entity == Entity.CUSTOMER.value:
        customers.drop_custom_key(session, field.key)
    else:
        contacts.drop_custom_key(session, field.key)
    repository.purge(session, field)


def _coerce(field: CustomField, value: Any, *, name: str) -> Any:
    """The stored (JSON) form of `value`, or 422 naming the field."""
    kind = FieldKind(field.type)

    def bad(reason: str, code: str, **params: Any) -> InvalidInput:
        return InvalidInput.on_field(name, reason, code=code, **params)

    if kind in (FieldKind.TEXT, FieldKind.LONG_TEXT):
        if not isinstance(value, str):
            raise bad("must be text", "not_text")
        limit = 200 if kind is FieldKind.TEXT else 10_000
        if len(value) > limit:
            raise bad(f"at most {limit} characters", "string_too_long", max_length=limit)
        return value
    if kind in (FieldKind.NUMBER, FieldKind.MONEY):
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise bad("must be a number", "not_number")
        try:
            number = Decimal(str(value))
        except InvalidOperation as exc:
            raise bad("must be a number", "not_number") from exc
        if not number.is_finite():
            raise bad("must be a finite number", "not_number")
        if kind is FieldKind.MONEY:
            return str(number.quantize(Decimal("0.01")))
        return int(number) if number == number.to_integral_value() else float(number)
    if kind is FieldKind.DATE:
        try:
            return date.fromisoformat(str(value)).isoformat()
        except ValueError as exc:
            raise bad("must be a date (YYYY-MM-DD)", "not_date") from exc
    if kind is FieldKind.DATETIME:
        try:
            moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        except ValueError as exc:
            raise bad("must be an ISO 8601 date-time", "not_datetime") from exc
        if moment.tzinfo is None:
            raise bad("must carry a time zone offset", "needs_time_zone")
        return moment.astimezone(UTC).isoformat()
    if kind is FieldKind.SINGLE_SELECT:
        if value not in field.options:
            raise bad(f"must be one of {', '.join(field.options)}", "not_one_of")
        return value
    if kind is FieldKind.MULTI_SELECT:
        if not isinstance(value, list) or any(v not in field.options for v in value):
            raise bad(f"must be a list of {', '.join(field.options)}", "not_one_of")
        return list(dict.fromkeys(value))
    if kind is FieldKind.CHECKBOX:
        if not isinstance(value, bool):
            raise bad("must be true or false", "not_boolean")
        return value
    if kind is FieldKind.PHONE:
        digits = phone_key(str(value))
        if not 5 <= len(digits) <= 20:
            raise bad("must be a phone number", "invalid_phone")
        return digits
    if kind is FieldKind.EMAIL:
        if not isinstance(value, str) or not _EMAIL.match(value):
            raise bad("must be an email address", "invalid_email")
        return email_key(value)
    if kind is FieldKind.URL:
        if not isinstance(value, str) or not _URL.match(value):
            raise bad("must be an http(s) URL", "invalid_url")
        return value
    if kind is FieldKind.ADDRESS:
        if not isinstance(value, dict) or set(value) - set(_ADDRESS_PARTS):
            raise bad(f"must be an object with {', '.join(_ADDRESS_PARTS)}", "invalid_address")
        return {k: str(v) for k, v in value.items() if v is not None}
    if kind is FieldKind.USER:
        try:
            return str(uuid.UUID(str(value)))
        except ValueError as exc:
            raise bad("must be a user id", "not_user") from exc
    raise bad("unsupported field type", "unsupported")  # pragma: no cover


def coerce_value(field: CustomField, value: Any, *, name: str) -> Any:
    """The stored form of `value` for `field`, or 422 naming `name` (imports check a whole
    chunk of rows with it, then claim unique values in bulk)."""
    return _coerce(field, value, name=name)


def unique_form(field: CustomField, stored: Any) -> str:
    """The form a unique value is claimed under in `custom_unique_values`."""
    return _unique_form(field, stored)


def _unique_form(field: CustomField, stored: Any) -> str:
    if isinstance(stored, str):
        return stored.strip().casefold()[:500]
    return str(stored)[:500]


def apply_values(
    session: Session,
    *,
    entity: Entity,
    record_id: uuid.UUID,
    incoming: dict[str, Any],
    current: dict[str, Any] | None,
) -> dict[str, Any]:
    """The record's new `custom` object after writing `incoming` (None clears a value).

    Creating (`current is None`) fills defaults and enforces `required`. Values of removed
    fields are carried along untouched. Unique values are claimed here; a value another
    record holds is `409` naming the field.
    """
    fields = {f.key: f for f in repository.active(session, entity.value)}
    result = dict(current or {})
    for key, value in incoming.items():
        field = fields.get(key)
        if field is None:
            raise InvalidInput.on_field(f"custom.{key}", "no such custom field")
        if value is None or value == "" or value == []:
            result.pop(key, None)
        else:
            result[key] = _coerce(field, value, name=f"custom.{key}")
    for key, field in fields.items():
        if current is None and key not in result and field.default is not None:
            result[key] = field.default
        if field.required and result.get(key) in (None, "", []):
            raise InvalidInput.on_field(f"custom.{key}", "is required", code="missing")
    for key, field in fields.items():
        if not field.unique:
            continue
        old = (current or {}).get(key)
        new = result.get(key)
        if current is not None and old == new:
            continue
        repository.release_values(session, field_id=field.id, record_id=record_id)
        if new is None:
            continue
        form = _unique_form(field, new)
        try:
            with session.begin_nested():
                repository.claim_value(session, field_id=field.id, value=form, record_id=record_id)
        except IntegrityError as exc:
            holder = repository.holder(session, field_id=field.id, value=form)
            raise Conflict(
                f"custom.{key}: another record already has this value",
                errors=[],
                field=f"custom.{key}",
                existing_id=str(holder) if holder else None,
            ) from exc
    return result


def visible_values(session: Session, *, entity: Entity, values: dict[str, Any]) -> dict[str, Any]:
    """Only the values of fields that are defined (removed fields' values are hidden)."""
    keys = {f.key for f in repository.active(session, entity.value)}
    return {k: v for k, v in values.items() if k in keys}


def filterables(session: Session, *, entity: Entity, column: Any) -> dict[str, Filterable]:
    """`custom.<key>` (and plain `<key>`) for every defined field of `entity`, over the JSON
    `column`, cast to the field's type so ranges and sorting compare values, not text."""
    found: dict[str, Filterable] = {}
    for field in repository.active(session, entity.value):
        kind = FieldKind(field.type)
        text: ColumnElement[Any] = column[field.key].astext
        target: Filterable
        indexed = {"document": column, "key": field.key}
        if kind in (FieldKind.NUMBER, FieldKind.MONEY):
            target = Filterable(cast(text, Numeric), FieldType.NUMBER)
        elif kind is FieldKind.DATE:
            target = Filterable(cast(text, Date), FieldType.DATE)
        elif kind is FieldKind.DATETIME:
            target = Filterable(cast(text, DateTime(timezone=True)), FieldType.DATETIME)
        elif kind is FieldKind.CHECKBOX:
            target = Filterable(cast(text, Boolean), FieldType.BOOL, **indexed)
        elif kind is FieldKind.MULTI_SELECT:
            target = Filterable(column[field.key], FieldType.TEXT_LIST, sortable=False, **indexed)
        elif kind is FieldKind.ADDRESS:
            target = Filterable(text, FieldType.TEXT, sortable=False)
        else:
            target = Filterable(text, FieldType.TEXT, **indexed)
        found[f"custom.{field.key}"] = target
        found.setdefault(field.key, target)
    return found
