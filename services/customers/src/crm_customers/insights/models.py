import uuid
from datetime import datetime
from decimal import Decimal

from sqlalchemy import Boolean, DateTime, Integer, Numeric, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from crm_customers.db import TenantBase, utcnow


class CareDate(TenantBase):
    """A tenant's date to greet customers on: a fixed month-day (a holiday; with `year` and
    not `recurring`, once) for every customer, or the yearly anniversary of a customer's
    date field (`created_at`, or `custom.<key>` of a date custom field, e.g. signing)."""

    __tablename__ = "care_dates"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    name: Mapped[str] = mapped_column(String(100))
    month: Mapped[int | None] = mapped_column(Integer)
    day: Mapped[int | None] = mapped_column(Integer)
    year: Mapped[int | None] = mapped_column(Integer)
    recurring: Mapped[bool] = mapped_column(Boolean, default=True)
    customer_field: Mapped[str | None] = mapped_column(String(80))
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    __mapper_args__ = {"version_id_col": version}


class CareReminderSent(TenantBase):
    """One row per reminder the care job created; its key (occasion, person, year) makes a
    second run create nothing."""

    __tablename__ = "care_reminders"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    reminder_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class SalesOpportunity(TenantBase):
    """Sales' opportunities as far as the potential score needs them, from `sales.opportunity.*`."""

    __tablename__ = "sales_opportunities"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    customer_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    amount: Mapped[Decimal] = mapped_column(Numeric(18, 2))
    status: Mapped[str] = mapped_column(String(20))
    event_time: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class SalesPayment(TenantBase):
    """Sales' payments received, from `sales.payment.*`."""

    __tablename__ = "sales_payments"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    customer_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    amount: Mapped[Decimal] = mapped_column(Numeric(18, 2))
    status: Mapped[str] = mapped_column(String(20))
    event_time: Mapped[datetime] = mapped_column(DateTime(timezone=True))
