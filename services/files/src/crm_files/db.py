"""The files service's declarative base: tables in each tenant's schema."""

from datetime import UTC, datetime

from sqlalchemy.orm import DeclarativeBase

from crmkit.db import tenant_metadata


class TenantBase(DeclarativeBase):
    metadata = tenant_metadata()


def utcnow() -> datetime:
    return datetime.now(UTC)
