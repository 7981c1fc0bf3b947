"""Portal accounts: a tenant's customer contacts and partner staff."""

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import DateTime, Integer, String, func
from sqlalchemy.orm import Mapped, mapped_column

from crm_identity.db import TenantBase


class PortalKind(StrEnum):
    CUSTOMER_CONTACT = "customer_contact"
    PARTNER_STAFF = "partner_staff"


class PortalAccount(TenantBase):
    __tablename__ = "portal_accounts"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    # The customer's or partner's id in the service that owns it (no foreign key across
    # services).
    linked_record_id: Mapped[uuid.UUID]
    status: Mapped[str] = mapped_column(String(10), default="active")
    created_by: Mapped[uuid.UUID | None]
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
