import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, DateTime, Integer, String, Uuid
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from crm_customers.db import TenantBase, utcnow


class Pool(TenantBase):
    """A public pool: who may claim from it (no members named: every user) and its rules."""

    __tablename__ = "pools"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    name: Mapped[str] = mapped_column(String(100))
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)
    member_user_ids: Mapped[list[str]] = mapped_column(JSONB, default=list)
    member_department_ids: Mapped[list[str]] = mapped_column(JSONB, default=list)
    rules: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    __mapper_args__ = {"version_id_col": version}


class PoolMove(TenantBase):
    """Every move of a customer into, out of or inside a pool; the ledger behind daily claim
    limits and the previous owner's cool-down."""

    __tablename__ = "pool_moves"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    customer_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    pool_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    action: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    from_owner_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    to_owner_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    reason: Mapped[str | None] = mapped_column(String(500))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class OrgDepartment(TenantBase):
    """Identity's departments as far as hand-overs need them (the head), kept from
    `identity.department.*` events."""

    __tablename__ = "org_departments"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    parent_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    head_user_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    version: Mapped[int] = mapped_column(Integer)
