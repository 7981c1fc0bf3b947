"""Roles: function permissions, a data scope per module, field rules per module field."""

import uuid
from datetime import datetime

from sqlalchemy import DateTime, Integer, String, Text, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from crm_identity.db import TenantBase


class Role(TenantBase):
    __tablename__ = "roles"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    # Set for the built-in roles every tenant starts with ("tenant_admin", ...).
    builtin_key: Mapped[str | None] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    permissions: Mapped[list[str]] = mapped_column(JSONB, default=list)
    # {"customers": "own", ...}
    scopes: Mapped[dict[str, str]] = mapped_column(JSONB, default=dict)
    # {"customers": {"phone": "masked"}, ...}
    field_rules: Mapped[dict[str, dict[str, str]]] = mapped_column(JSONB, default=dict)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
