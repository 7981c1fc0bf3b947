"""Signing keys (platform schema). Private keys never leave identity."""

from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, String, Text, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from crm_identity.db import PlatformBase


class SigningKey(PlatformBase):
    __tablename__ = "signing_keys"

    kid: Mapped[str] = mapped_column(String(32), primary_key=True)
    private_pem: Mapped[str] = mapped_column(Text)
    public_jwk: Mapped[dict[str, Any]] = mapped_column(JSONB)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    # No longer signs from this moment; still verifies until its last token expires.
    retired_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
