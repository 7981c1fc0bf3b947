import uuid
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Date,
    Float,
    String,
    Table,
    and_,
    bindparam,
    case,
    cast,
    extract,
    func,
    select,
    tuple_,
    update,
)
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from crm_customers.contacts.models import Contact
from crm_customers.customers.models import Customer
from crm_customers.history.models import Interaction, Reminder
from crm_customers.insights.models import (
    CareDate,
    CareReminderSent,
    SalesOpportunity,
    SalesPayment,
)

FOLLOW_UP, ACTIVITY = "follow_up", "activity"
DEAL_STATUSES = ("open", "won")
PAID_STATUSES = ("received",)


def _live() -> ColumnElement[bool]:
    return and_(Customer.deleted_at.is_(None), Customer.merged_into_id.is_(None))


# ----------------------------------------------------------------------------- potential

LONG_ID_LIST = 50


def _among(column: Any, ids: Sequence[uuid.UUID]) -> ColumnElement[bool]:
    """`column` among `ids`; a long list (the tenant pass walks ids in order) as the range
    it spans, which is cheaper than thousands of parameters. Callers keep only `ids`."""
    condition: ColumnElement[bool] = (
        column.between(min(ids), max(ids)) if len(ids) > LONG_ID_LIST else column.in_(list(ids))
    )
    return condition


def interaction_counts(
    session: Session, customer_ids: Sequence[uuid.UUID], *, since: datetime
) -> dict[uuid.UUID, tuple[int, int]]:
    """(follow-ups, activities) since `since`, per customer."""
    at = func.coalesce(Interaction.at, Interaction.created_at)
    rows = session.execute(
        select(
            Interaction.customer_id,
            func.count().filter(Interaction.entry_type == FOLLOW_UP),
            func.count().filter(Interaction.entry_type == ACTIVITY),
        )
        .where(_among(Interaction.customer_id, customer_ids), at >= since)
        .group_by(Interaction.customer_id)
    ).all()
    return {row[0]: (int(row[1]), int(row[2])) for row in rows}


def sales_totals(
    session: Session, customer_ids: Sequence[uuid.UUID]
) -> tuple[dict[uuid.UUID, Decimal], dict[uuid.UUID, Decimal]]:
    """Deal value (open and won opportunities) and payments received, per customer that
    sales has published anything for."""
    ids = list(customer_ids)
    deals = session.execute(
        select(
            SalesOpportunity.customer_id,
            func.coalesce(
                func.sum(SalesOpportunity.amount).filter(
                    SalesOpportunity.status.in_(DEAL_STATUSES)
                ),
                0,
            ),
        )
        .where(_among(SalesOpportunity.customer_id, ids))
        .group_by(SalesOpportunity.customer_id)
    ).all()
    paid = session.execute(
        select(
            SalesPayment.customer_id,
            func.coalesce(
                func.sum(SalesPayment.amount).filter(SalesPayment.status.in_(PAID_STATUSES)), 0
            ),
        )
        .where(_among(SalesPayment.customer_id, ids))
        .group_by(SalesPayment.customer_id)
    ).all()
    return (
        {row[0]: Decimal(row[1]) for row in deals},
        {row[0]: Decimal(row[1]) for row in paid},
    )


def store_potentials(
    session: Session, scores: Sequence[tuple[Any, int, list[dict[str, Any]]]]
) -> None:
    """Written beside the ORM's unit of work (one batched statement on the table), so the
    customers' versions do not move."""
    table = Customer.__table__
    assert isinstance(table, Table)  # noqa: S101 - a declarative model's table
    statement = (
        update(table)
        .where(table.c.id == bindparam("customer_id"))
        .values(potential_score=bindparam("score"), potential_parts=bindparam("parts"))
    )
    session.execute(
        statement,
        [{"customer_id": c.id, "score": score, "parts": parts} for c, score, parts in scores],
    )
    for customer, score, parts in scores:
        if isinstance(customer, Customer):
            set_committed_value(customer, "potential_score", score)
            set_committed_value(customer, "potential_parts", parts)


def live_customers(session: Session, ids: Sequence[uuid.UUID]) -> list[Customer]:
    return list(session.scalars(select(Customer).where(Customer.id.in_(list(ids)), _live())))


SCORE_INPUTS = (
    Customer.id,
    Customer.level,
    Customer.last_follow_up_at,
    Customer.potential_score,
    Customer.potential_parts,
)


def live_page(session: Session, *, after: uuid.UUID | None, limit: int) -> list[Any]:
    """Live customers' score inputs, by id, after `after`."""
    query = select(*SCORE_INPUTS).where(_live()).order_by(Customer.id).limit(limit)
    if after is not None:
        query = query.where(Customer.id > after)
    return list(session.execute(query).all())


def cast_record(found: object) -> SalesOpportunity | SalesPayment | None:
    assert found is None or isinstance(found, (SalesOpportunity, SalesPayment))  # noqa: S101
    return found


def keep_sales_record(
    session: Session,
    model: type[SalesOpportunity] | type[SalesPayment],
    *,
    record_id: uuid.UUID,
    customer_id: uuid.UUID,
    amount: Decimal,
    status: str,
    event_time: datetime,
) -> uuid.UUID | None:
    """Upsert sales' record unless a newer event already did; returns the customer the
    record moved away from, if it moved (its score changes too)."""
    current = cast_record(session.get(model, record_id))
    if current is not None and current.event_time > event_time:
        return None  # an older event arriving late
    previous = None
    if current is None:
        current = model(id=record_id)
        session.add(current)
    elif current.customer_id != customer_id:
        previous = current.customer_id
    current.customer_id = customer_id
    current.amount = amount
    current.status = status
    current.event_time = event_time
    session.flush()
    return previous


def survivor_of(session: Session, customer_id: uuid.UUID) -> uuid.UUID:
    """The customer a merged id now lives on (the id itself when not merged)."""
    merged_into = session.scalar(select(Customer.merged_into_id).where(Customer.id == customer_id))
    return merged_into or customer_id


def move_sales(session: Session, *, from_customer: uuid.UUID, to_customer: uuid.UUID) -> None:
    for model in (SalesOpportunity, SalesPayment):
        session.execute(
            update(model).where(model.customer_id == from_customer).values(customer_id=to_customer)
        )


# ------------------------------------------------------------------------------------ map


def clusters(
    session: Session,
    *,
    visible: ColumnElement[bool],
    bbox: tuple[float, float, float, float],
    cell: float,
    limit: int,
) -> list[Any]:
    """Grid clusters of the visible customers inside `bbox`: cells of `cell` degrees, each
    with its count, centroid and (for one customer) the customer's id and name."""
    min_lng, min_lat, max_lng, max_lat = bbox
    lng, lat = cast(Customer.longitude, Float), cast(Customer.latitude, Float)
    col = func.floor(lng / cell).label("col")
    row = func.floor(lat / cell).label("row")
    count = func.count()
    only = case((count == 1, func.min(cast(Customer.id, String))), else_=None)
    name = case((count == 1, func.min(Customer.name)), else_=None)
    query = (
        select(
            count.label("count"),
            func.avg(lat).label("latitude"),
            func.avg(lng).label("longitude"),
            only.label("customer_id"),
            name.label("name"),
        )
        .where(
            _live(),
            visible,
            Customer.latitude.is_not(None),
            Customer.longitude.is_not(None),
            Customer.longitude.between(min_lng, max_lng),
            Customer.latitude.between(min_lat, max_lat),
        )
        .group_by(col, row)
        .order_by(count.desc(), col, row)
        .limit(limit)
    )
    return list(session.execute(query).all())


def region_counts(
    session: Session, *, visible: ColumnElement[bool], by_city: bool, limit: int
) -> list[Any]:
    columns = [Customer.province, Customer.city] if by_city else [Customer.province]
    count = func.count()
    query = (
        select(*columns, count.label("count"))
        .where(_live(), visible)
        .group_by(*columns)
        .order_by(count.desc(), *columns)
        .limit(limit)
    )
    return list(session.execute(query).all())


def without_coordinates(session: Session, *, after: uuid.UUID | None, limit: int) -> list[Customer]:
    query = (
        select(Customer)
        .where(
            _live(),
            Customer.latitude.is_(None),
            Customer.longitude.is_(None),
            (Customer.province.is_not(None)) | (Customer.city.is_not(None)),
        )
        .order_by(Customer.id)
        .limit(limit)
    )
    if after is not None:
        query = query.where(Customer.id > after)
    return list(session.scalars(query))


def store_coordinates(
    session: Session, customer: Customer, *, latitude: Decimal, longitude: Decimal
) -> None:
    """A backfill: derived coordinates, not an edit, so the version does not move."""
    session.execute(
        update(Customer)
        .where(Customer.id == customer.id)
        .values(latitude=latitude, longitude=longitude, geocoded=True)
        .execution_options(synchronize_session=False)
    )


# ----------------------------------------------------------------------------------- care

MonthDays = Sequence[tuple[int, int]]
CUSTOMER_COLUMNS = (Customer.id, Customer.name, Customer.owner_id)


def _on_month_days(column: Any, month_days: MonthDays) -> ColumnElement[bool]:
    return tuple_(extract("month", column), extract("day", column)).in_(list(month_days))


def _limited(query: Any, limit: int | None) -> Any:
    return query if limit is None else query.limit(limit)


def person_birthdays(
    session: Session, *, visible: ColumnElement[bool], month_days: MonthDays, limit: int | None
) -> list[Any]:
    query = select(*CUSTOMER_COLUMNS, Customer.birthday.label("date")).where(
        _live(),
        visible,
        Customer.birthday.is_not(None),
        _on_month_days(Customer.birthday, month_days),
    )
    return list(session.execute(_limited(query.order_by(Customer.id), limit)).all())


def contact_birthdays(
    session: Session, *, visible: ColumnElement[bool], month_days: MonthDays, limit: int | None
) -> list[Any]:
    query = (
        select(
            *CUSTOMER_COLUMNS,
            Contact.id.label("contact_id"),
            Contact.name.label("contact_name"),
            Contact.birthday.label("date"),
        )
        .join(Contact, Contact.customer_id == Customer.id)
        .where(
            _live(),
            visible,
            Contact.deleted_at.is_(None),
            Contact.birthday.is_not(None),
            _on_month_days(Contact.birthday, month_days),
        )
    )
    return list(session.execute(_limited(query.order_by(Contact.id), limit)).all())


def customer_date(field: str) -> ColumnElement[Any]:
    """The date a care date's `customer_field` names, as a SQL date (NULL when unset)."""
    if field == "created_at":
        return cast(func.timezone("UTC", Customer.created_at), Date)
    key = field.removeprefix("custom.")
    text = Customer.custom[key].astext
    # Guarded by CASE: a WHERE clause gives no order, and the cast of a bad value would fail.
    return case((text.regexp_match(r"^\d{4}-\d{2}-\d{2}"), cast(func.substr(text, 1, 10), Date)))


def field_anniversaries(
    session: Session,
    *,
    visible: ColumnElement[bool],
    field: str,
    month_days: MonthDays,
    limit: int | None,
) -> list[Any]:
    value = customer_date(field)
    query = select(*CUSTOMER_COLUMNS, value.label("date")).where(
        _live(), visible, value.is_not(None), _on_month_days(value, month_days)
    )
    return list(session.execute(_limited(query.order_by(Customer.id), limit)).all())


def all_customers(
    session: Session, *, visible: ColumnElement[bool], limit: int | None
) -> list[Any]:
    query = select(*CUSTOMER_COLUMNS).where(_live(), visible).order_by(Customer.id)
    return list(session.execute(_limited(query, limit)).all())


def care_dates(session: Session) -> list[CareDate]:
    return list(session.scalars(select(CareDate).order_by(CareDate.created_at, CareDate.id)))


def care_date(session: Session, care_date_id: uuid.UUID) -> CareDate | None:
    return session.get(CareDate, care_date_id)


def add_care_date(session: Session, item: CareDate) -> None:
    session.add(item)
    session.flush()


def delete_care_date(session: Session, item: CareDate) -> None:
    session.delete(item)
    session.flush()


def claim_reminder_keys(session: Session, reminder_ids: dict[str, uuid.UUID]) -> list[str]:
    """The keys this call claimed: those no reminder was made for before (a concurrent run
    claiming the same key gets it or waits and skips it)."""
    if not reminder_ids:
        return []
    rows = [{"key": key, "reminder_id": rid} for key, rid in reminder_ids.items()]
    claimed = session.scalars(
        insert(CareReminderSent)
        .values(rows)
        .on_conflict_do_nothing(index_elements=[CareReminderSent.key])
        .returning(CareReminderSent.key)
    )
    return list(claimed)


def add_reminders(session: Session, rows: list[dict[str, Any]]) -> None:
    if rows:
        session.execute(insert(Reminder), rows)
