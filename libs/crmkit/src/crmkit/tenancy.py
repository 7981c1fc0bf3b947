"""The current tenant of a unit of work, and the schema its data lives in.

Exactly one piece of code per entry point (HTTP middleware, gRPC interceptor, event
consumer, Celery task) sets it, with `tenant_context`. Everything below reads it.
"""

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from crmkit.errors import NoTenantError

TENANT_SCHEMA_PLACEHOLDER = "__tenant__"
"""Schema name tenant tables are declared with; rewritten per tenant at execution."""

PLATFORM_SCHEMA = "platform"

_current_tenant: ContextVar[uuid.UUID | None] = ContextVar("crm_current_tenant", default=None)


def schema_for(tenant_id: uuid.UUID) -> str:
    """Schema names derive from the tenant's UUID only, never from a slug or user input."""
    if not isinstance(tenant_id, uuid.UUID):
        raise TypeError(f"tenant id must be a UUID, got {type(tenant_id).__name__}")
    return f"t_{tenant_id.hex}"


def current_tenant() -> uuid.UUID:
    tenant_id = _current_tenant.get()
    if tenant_id is None:
        raise NoTenantError()
    return tenant_id


def current_tenant_or_none() -> uuid.UUID | None:
    return _current_tenant.get()


@contextmanager
def tenant_context(tenant_id: uuid.UUID | None) -> Iterator[None]:
    token = _current_tenant.set(tenant_id)
    try:
        yield
    finally:
        _current_tenant.reset(token)
