import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Boolean, Date, DateTime, Integer, Numeric, String, Text, Uuid
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from crm_customers.db import TenantBase, utcnow


class Customer(TenantBase):
    __tablename__ = "customers"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    kind: Mapped[str] = mapped_column(String(10))
    name: Mapped[str] = mapped_column(String(300))
    name_key: Mapped[str] = mapped_column(String(300))
    name_bridge_key: Mapped[str | None] = mapped_column(String(300))
    short_name: Mapped[str | None] = mapped_column(String(100))
    phones: Mapped[list[str]] = mapped_column(JSONB, default=list)
    emails: Mapped[list[str]] = mapped_column(JSONB, default=list)
    website: Mapped[str | None] = mapped_column(String(500))
    province: Mapped[str | None] = mapped_column(String(100))
    city: Mapped[str | None] = mapped_column(String(100))
    district: Mapped[str | None] = mapped_column(String(100))
    street: Mapped[str | None] = mapped_column(String(300))
    latitude: Mapped[Decimal | None] = mapped_column(Numeric(9, 6))
    longitude: Mapped[Decimal | None] = mapped_column(Numeric(9, 6))
    industry: Mapped[str | None] = mapped_column(String(64))
    scale: Mapped[str | None] = mapped_column(String(64))
    source: Mapped[str | None] = mapped_column(String(64))
    level: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(64))
    tags: Mapped[list[str]] = mapped_column(JSONB, default=list)
    owner_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)  # None while in a pool
    department_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    collaborator_ids: Mapped[list[str]] = mapped_column(JSONB, default=list)
    credit_rating: Mapped[str | None] = mapped_column(String(20))
    birthday: Mapped[date | None] = mapped_column(Date)
    notes: Mapped[str | None] = mapped_column(Text)
    custom: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    updated_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_follow_up_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    next_follow_up_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    deleted_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    merged_into_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    # Map, care and potential (crm_customers.insights): derived, never written by clients.
    geocoded: Mapped[bool] = mapped_column(Boolean, default=False)
    potential_score: Mapped[int | None] = mapped_column(Integer)
    potential_parts: Mapped[list[dict[str, Any]] | None] = mapped_column(JSONB)
    # Public pools (crm_customers.pools): where it sits, where reclaim returns it, and what
    # reclaim measures (since when the owner has it, deals, exemptions, the last reminder).
    pool_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    home_pool_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    pooled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    pool_trashed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    owned_since: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_deal_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    deal_in_progress: Mapped[bool] = mapped_column(Boolean, default=False)
    reclaim_locked: Mapped[bool] = mapped_column(Boolean, default=False)
    reclaim_reminded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __mapper_args__ = {"version_id_col": version}


class CustomerChange(TenantBase):
    """One entry of a customer's change history: who changed which fields, from what to what."""

    __tablename__ = "customer_changes"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    customer_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    actor_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    action: Mapped[str] = mapped_column(String(20))
    changes: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class TenantSetting(TenantBase):
    """A tenant's settings of this service (duplicate rules), one JSON value per key."""

    __tablename__ = "tenant_settings"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[Any] = mapped_column(JSONB)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class SavedView(TenantBase):
    __tablename__ = "saved_views"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    owner_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    department_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    name: Mapped[str] = mapped_column(String(100))
    entity: Mapped[str] = mapped_column(String(20))
    filters: Mapped[list[str]] = mapped_column(JSONB, default=list)
    sort: Mapped[str | None] = mapped_column(String(100))
    columns: Mapped[list[str]] = mapped_column(JSONB, default=list)
    shared: Mapped[bool] = mapped_column(Boolean, default=False)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
