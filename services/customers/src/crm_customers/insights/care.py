"""Care: birthdays of persons and contacts and the tenant's care dates, as a list of whom
to greet in a week (within the caller's scope) and as reminders for owners some days ahead.

A Feb 29 date is greeted on Feb 28 in years without Feb 29. Reminders are made at most once
per occasion, person and year: the key is claimed in `care_reminders` first.
"""

import calendar
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, true
from sqlalchemy.orm import Session

from crm_customers.common.access import Caller
from crm_customers.custom_fields import service as custom_fields
from crm_customers.custom_fields.schemas import Entity
from crm_customers.customers import repository as customers_repository
from crm_customers.customers.models import TenantSetting
from crm_customers.insights import repository
from crm_customers.insights.models import CareDate
from crm_customers.insights.schemas import (
    CareDateIn,
    CareDateOut,
    CareDatePatch,
    CareSettings,
    Greeting,
    Greetings,
)
from crmkit.errors import InvalidInput, NotFound, PreconditionFailed

SETTINGS_KEY = "care"
MAX_GREETINGS = 1000
REMINDER_BATCH = 1000
BIRTHDAY = "birthday"


@dataclass(frozen=True)
class Occasion:
    on: date
    occasion: str  # "birthday" or "care_date"
    occasion_name: str
    customer_id: uuid.UUID
    customer_name: str
    owner_id: uuid.UUID | None
    care_date_id: uuid.UUID | None = None
    contact_id: uuid.UUID | None = None
    contact_name: str | None = None

    @property
    def key(self) -> str:
        what = self.care_date_id or BIRTHDAY
        who = f"contact:{self.contact_id}" if self.contact_id else f"customer:{self.customer_id}"
        return f"{what}:{who}:{self.on.year}"


def _occasion(on: date, kind: str, name: str, row: Any, **extra: Any) -> Occasion:
    """`row` starts with the customer's id, name and owner."""
    return Occasion(on, kind, name, row.id, row.name, row.owner_id, **extra)


# ------------------------------------------------------------------------------ calendar


def month_days(start: date, end: date) -> dict[tuple[int, int], date]:
    """Each (month, day) falling in [start, end] and its date there; Feb 29 maps to Feb 28
    of a year without it."""
    found: dict[tuple[int, int], date] = {}
    day = start
    while day <= end:
        found[(day.month, day.day)] = day
        if (day.month, day.day) == (2, 28) and not calendar.isleap(day.year):
            found[(2, 29)] = day
        day += timedelta(days=1)
    return found


def parse_week(raw: str | None, *, today: date) -> tuple[str, date]:
    if raw is None:
        year, week, _ = today.isocalendar()
        return f"{year}-W{week:02d}", date.fromisocalendar(year, week, 1)
    try:
        year_text, week_text = raw.split("-W")
        monday = date.fromisocalendar(int(year_text), int(week_text), 1)
    except ValueError as exc:
        raise InvalidInput.on_field("week", "must be an ISO week such as 2026-W48") from exc
    return raw, monday


def occasions(
    session: Session,
    *,
    start: date,
    end: date,
    visible: ColumnElement[bool],
    limit: int | None = None,
) -> Iterator[Occasion]:
    """Every occasion in [start, end] among the customers `visible` selects."""
    days = month_days(start, end)
    pairs = list(days)
    for row in repository.person_birthdays(session, visible=visible, month_days=pairs, limit=limit):
        yield _occasion(days[(row.date.month, row.date.day)], BIRTHDAY, "Birthday", row)
    for row in repository.contact_birthdays(
        session, visible=visible, month_days=pairs, limit=limit
    ):
        yield _occasion(
            days[(row.date.month, row.date.day)],
            BIRTHDAY,
            "Birthday",
            row,
            contact_id=row.contact_id,
            contact_name=row.contact_name,
        )
    for care_date in repository.care_dates(session):
        yield from _care_date_occasions(session, care_date, days, start, end, visible, limit)


def _care_date_occasions(
    session: Session,
    care_date: CareDate,
    days: dict[tuple[int, int], date],
    start: date,
    end: date,
    visible: ColumnElement[bool],
    limit: int | None,
) -> Iterator[Occasion]:
    def occasion(on: date, row: Any) -> Occasion:
        return _occasion(on, "care_date", care_date.name, row, care_date_id=care_date.id)

    if care_date.customer_field:
        for row in repository.field_anniversaries(
            session,
            visible=visible,
            field=care_date.customer_field,
            month_days=list(days),
            limit=limit,
        ):
            on = days[(row.date.month, row.date.day)]
            if row.date.year < on.year:  # an anniversary, not the day itself
                yield occasion(on, row)
        return
    month, day = care_date.month or 1, care_date.day or 1  # set: checked when saved
    if care_date.recurring:
        fixed = days.get((month, day))
    else:
        fixed = date(care_date.year or 1, month, day)
        fixed = fixed if start <= fixed <= end else None
    if fixed is not None:
        for row in repository.all_customers(session, visible=visible, limit=limit):
            yield occasion(fixed, row)


# ------------------------------------------------------------------------------ greetings


def greetings(session: Session, *, caller: Caller, week: str | None, today: date) -> Greetings:
    caller.require("view")
    label, monday = parse_week(week, today=today)
    sunday = monday + timedelta(days=6)
    found = list(
        occasions(
            session,
            start=monday,
            end=sunday,
            visible=caller.visible_condition(),
            limit=MAX_GREETINGS + 1,
        )
    )
    found.sort(key=lambda o: (o.on, o.customer_name, o.contact_name or "", o.occasion_name))
    return Greetings(
        week=label,
        start=monday,
        end=sunday,
        items=[
            Greeting(
                on=o.on,
                occasion="birthday" if o.occasion == BIRTHDAY else "care_date",
                occasion_name=o.occasion_name,
                care_date_id=o.care_date_id,
                customer_id=o.customer_id,
                customer_name=o.customer_name,
                contact_id=o.contact_id,
                contact_name=o.contact_name,
                owner_id=o.owner_id,
            )
            for o in found[:MAX_GREETINGS]
        ],
        truncated=len(found) > MAX_GREETINGS,
    )


# ------------------------------------------------------------------------------ reminders


def _note(o: Occasion) -> str:
    who = f"{o.contact_name} ({o.customer_name})" if o.contact_name else o.customer_name
    return f"{o.occasion_name}: greet {who} on {o.on.isoformat()}"[:500]


def send_reminders(session: Session, *, today: date) -> int:
    """Reminders for owners of the occasions from `today` to `days_ahead` later; running it
    again the same day (or the next) makes none twice. Returns how many it made."""
    days_ahead = care_settings(session).days_ahead
    made = 0
    batch: dict[str, Occasion] = {}
    found = occasions(session, start=today, end=today + timedelta(days=days_ahead), visible=true())
    for o in found:
        if o.owner_id is not None:  # a customer in a public pool has nobody to remind
            batch[o.key] = o
        if len(batch) >= REMINDER_BATCH:
            made += _remind(session, batch)
            batch = {}
    return made + _remind(session, batch)


def _remind(session: Session, batch: dict[str, Occasion]) -> int:
    """Reminders for the occasions whose keys this call claims (in one statement each)."""
    ids = {key: uuid.uuid4() for key in batch}
    claimed = repository.claim_reminder_keys(session, ids)
    repository.add_reminders(
        session,
        [
            {
                "id": ids[key],
                "customer_id": batch[key].customer_id,
                "user_id": batch[key].owner_id,
                "due_at": datetime.combine(batch[key].on, time(0, 0), tzinfo=UTC),
                "note": _note(batch[key]),
                "done": False,
            }
            for key in claimed
        ],
    )
    return len(claimed)


# ------------------------------------------------------------------------------- settings


def care_settings(session: Session) -> CareSettings:
    stored = customers_repository.setting(session, SETTINGS_KEY)
    return CareSettings.model_validate(stored.value) if stored else CareSettings()


def set_care_settings(session: Session, *, caller: Caller, data: CareSettings) -> CareSettings:
    caller.require("manage_settings")
    stored = customers_repository.setting(session, SETTINGS_KEY)
    if stored is None:
        customers_repository.save_setting(
            session, TenantSetting(key=SETTINGS_KEY, value=data.model_dump())
        )
    else:
        stored.value = data.model_dump()
        session.flush()
    return data


# ----------------------------------------------------------------------------- care dates


def present_date(item: CareDate) -> CareDateOut:
    return CareDateOut(
        id=item.id,
        name=item.name,
        month=item.month,
        day=item.day,
        year=item.year,
        recurring=item.recurring,
        customer_field=item.customer_field,
        version=item.version,
    )


def _check(session: Session, item: CareDate) -> None:
    """Either a customer date field, or a month and day (a year too when not recurring)."""
    if item.customer_field is not None:
        if item.month is not None or item.day is not None or item.year is not None:
            raise InvalidInput.on_field("customer_field", "give either customer_field or a date")
        if item.customer_field != "created_at":
            key = item.customer_field.removeprefix("custom.")
            dates = {
                f.key
                for f in custom_fields.list_fields(session, entity=Entity.CUSTOMER)
                if f.type == "date"
            }
            if key not in dates:
                raise InvalidInput.on_field(
                    "customer_field", "must be created_at or custom.<key> of a date custom field"
                )
            item.customer_field = f"custom.{key}"
        item.recurring = True
        return
    if item.month is None or item.day is None:
        raise InvalidInput.on_field("month", "give month and day, or a customer_field")
    if item.day > calendar.monthrange(2024, item.month)[1]:  # 2024: Feb 29 is allowed
        raise InvalidInput.on_field("day", f"month {item.month} has no day {item.day}")
    if item.recurring:
        return
    if item.year is None:
        raise InvalidInput.on_field("year", "a date that does not recur needs its year")
    try:
        date(item.year, item.month, item.day)
    except ValueError as exc:
        raise InvalidInput.on_field("day", f"{item.year} has no such day") from exc


def list_dates(session: Session, *, caller: Caller) -> list[CareDate]:
    caller.require("view")
    return repository.care_dates(session)


def add_date(session: Session, *, caller: Caller, data: CareDateIn) -> CareDate:
    caller.require("manage_settings")
    item = CareDate(id=uuid.uuid4(), **data.model_dump())
    _check(session, item)
    repository.add_care_date(session, item)
    return item


def _get(session: Session, care_date_id: uuid.UUID) -> CareDate:
    item = repository.care_date(session, care_date_id)
    if item is None:
        raise NotFound("no such care date")
    return item


def get_date(session: Session, *, caller: Caller, care_date_id: uuid.UUID) -> CareDate:
    caller.require("view")
    return _get(session, care_date_id)


def update_date(
    session: Session,
    *,
    caller: Caller,
    care_date_id: uuid.UUID,
    data: CareDatePatch,
    expected_version: int | None,
) -> CareDate:
    caller.require("manage_settings")
    item = _get(session, care_date_id)
    if expected_version is not None and expected_version != item.version:
        raise PreconditionFailed("the care date changed since you read it", version=item.version)
    values = data.model_dump(exclude_unset=True)
    if "name" in values and values["name"] is None:
        raise InvalidInput.on_field("name", "must not be empty")
    if "recurring" in values and values["recurring"] is None:
        raise InvalidInput.on_field("recurring", "must be true or false")
    for name, value in values.items():
        setattr(item, name, value)
    if values.get("customer_field"):  # switching to a field drops the fixed date
        for name in ("month", "day", "year"):
            if name not in values:
                setattr(item, name, None)
    elif values.get("month") is not None and "customer_field" not in values:
        item.customer_field = None
    _check(session, item)
    session.flush()
    return item


def delete_date(session: Session, *, caller: Caller, care_date_id: uuid.UUID) -> None:
    caller.require("manage_settings")
    repository.delete_care_date(session, _get(session, care_date_id))
