"""Staff users of a tenant and the roles they hold."""

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import DateTime, Integer, String, func
from sqlalchemy.orm import Mapped, mapped_column

from crm_identity.db import TenantBase


class UserStatus(StrEnum):
    ACTIVE = "active"
    DISABLED = "disabled"


class User(TenantBase):
    __tablename__ = "users"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(200))
    department_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    position_id: Mapped[uuid.UUID | None]
    # Whom the user reports to; without one, the head of the user's department.
    manager_id: Mapped[uuid.UUID | None]
    status: Mapped[str] = mapped_column(String(10), default=UserStatus.ACTIVE)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )


class UserRole(TenantBase):
    __tablename__ = "user_roles"

    user_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    role_id: Mapped[uuid.UUID] = mapped_column(primary_key=True, index=True)
