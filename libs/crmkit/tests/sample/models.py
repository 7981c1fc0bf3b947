"""A tiny service used to test crmkit: tenant-scoped notes."""

import uuid
from datetime import datetime
from pathlib import Path

from sqlalchemy import DateTime, String, func
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from crmkit.db import tenant_metadata
from crmkit.migrations import MigrationStreams

STREAMS = MigrationStreams(root=Path(__file__).parent / "migrations")


class Base(DeclarativeBase):
    metadata = tenant_metadata()


class Note(Base):
    __tablename__ = "notes"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    title: Mapped[str] = mapped_column(String(200))
    pinned: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
