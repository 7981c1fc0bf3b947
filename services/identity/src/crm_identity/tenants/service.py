"""Tenants: sign-up, the provisioning saga, settings, suspension.

Sign-up creates the tenant, provisions identity's own schema, seeds the built-in roles and
the first admin, and announces `identity.tenant.created`, all in one transaction. Every
service in `CRM_IDENTITY_PROVISIONING_SERVICES` answers `<service>.tenant.provisioned`; when
all have, the tenant is active. One still silent after the time-out is failed, naming who,
and the tenant can be retried (announced again; provisioning is idempotent everywhere).
"""

import re
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from crm_identity.audit import service as audit
from crm_identity.common.http import check_version
from crm_identity.common.passwords import check_strength
from crm_identity.roles.builtin import TENANT_ADMIN
from crm_identity.roles.service import create_builtin_roles
from crm_identity.settings import IdentitySettings
from crm_identity.tenants import repository
from crm_identity.tenants.models import ProvisioningStep, ServiceState, TenantAccount
from crm_identity.users.service import create_user, normalise_email
from crmkit.errors import Conflict, InvalidInput, NotFound
from crmkit.events import record_event
from crmkit.migrations import MigrationStreams, provision_tenant_schema
from crmkit.registry import TenantStatus
from crmkit.tenancy import tenant_context

SLUG = re.compile(r"^[a-z][a-z0-9-]{1,38}[a-z0-9]$")
RESERVED_SLUGS = frozenset(
    {"www", "api", "app", "admin", "auth", "login", "static", "assets", "mail", "portal", "status"}
)
DEFAULTS_BY_LOCALE = {"zh-CN": ("Asia/Shanghai", "CNY"), "en": ("UTC", "USD")}
IDENTITY = "identity"


@dataclass(frozen=True)
class SignUp:
    company_name: str
    slug: str
    admin_email: str
    admin_password: str
    admin_name: str
    locale: str
    time_zone: str | None = None
    currency: str | None = None


def check_slug(slug: str) -> None:
    if not SLUG.match(slug) or "--" in slug:
        raise InvalidInput.on_field(
            "slug", "3 to 40 lower-case letters, digits and single hyphens, starting with a letter"
        )
    if slug in RESERVED_SLUGS:
        raise InvalidInput.on_field("slug", "this name is reserved")


def _published(tenant: TenantAccount) -> dict[str, Any]:
    return {
        "id": str(tenant.id),
        "slug": tenant.slug,
        "name": tenant.name,
        "locale": tenant.locale,
        "time_zone": tenant.time_zone,
        "currency": tenant.currency,
        "status": tenant.status,
    }


def sign_up(
    session: Session,
    *,
    tenant_id: uuid.UUID,
    form: SignUp,
    streams: MigrationStreams,
    settings: IdentitySettings,
    now: datetime,
) -> TenantAccount:
    """`session` must map the tenant placeholder to `tenant_id`'s schema, on one connection,
    so the schema created here is visible to the rest of the transaction."""
    check_slug(form.slug)
    admin_email = normalise_email(form.admin_email, field="admin_email")
    check_strength(form.admin_password, field="admin_password")
    if repository.by_slug(session, form.slug) is not None:
        raise Conflict("this slug is taken", errors=[])
    default_zone, default_currency = DEFAULTS_BY_LOCALE[form.locale]
    tenant = TenantAccount(
        id=tenant_id,
        slug=form.slug,
        name=form.company_name,
        locale=form.locale,
        time_zone=form.time_zone or default_zone,
        currency=(form.currency or default_currency).upper(),
        status=TenantStatus.PROVISIONING,
        provisioning_started_at=now,
        version=1,
    )
    services = sorted(set(settings.required_services) | {IDENTITY})
    repository.add(
        session,
        tenant,
        [
            ProvisioningStep(
                tenant_id=tenant_id,
                service=service,
                state=ServiceState.DONE if service == IDENTITY else ServiceState.PENDING,
            )
            for service in services
        ],
    )
    repository.register(session, tenant_id, TenantStatus.PROVISIONING)
    provision_tenant_schema(session.connection(), streams, tenant_id)
    with tenant_context(tenant_id):
        builtin = create_builtin_roles(session)
        admin = create_user(
            session,
            actor=None,
            email=admin_email,
            name=form.admin_name,
            password=form.admin_password,
            role_ids=[builtin[TENANT_ADMIN].id],
        )
        audit.record(
            session,
            action="tenant.signed_up",
            actor_id=str(admin.id),
            target_type="tenant",
            target_id=tenant_id,
            details={"slug": tenant.slug},
        )
        record_event(session, type="identity.tenant.created", data=_published(tenant))
        _activate_when_complete(session, tenant)
    return tenant


def status_of(session: Session, *, slug: str) -> tuple[TenantAccount, list[ProvisioningStep]]:
    tenant = repository.by_slug(session, slug)
    if tenant is None:
        raise NotFound("no such tenant")
    return tenant, repository.steps_of(session, tenant.id)


def _activate_when_complete(session: Session, tenant: TenantAccount) -> None:
    steps = repository.steps_of(session, tenant.id)
    if tenant.status == TenantStatus.SUSPENDED:
        return
    if all(step.state == ServiceState.DONE for step in steps):
        if tenant.status != TenantStatus.ACTIVE:
            _set_status(session, tenant, TenantStatus.ACTIVE, event="activated")


def _set_status(
    session: Session, tenant: TenantAccount, status: TenantStatus, *, event: str
) -> None:
    tenant.status = status
    tenant.version += 1
    session.flush()
    repository.set_registry_status(session, tenant.id, status)
    with tenant_context(tenant.id):
        record_event(session, type=f"identity.tenant.{event}", data=_published(tenant))


def mark_provisioned(session: Session, *, tenant_id: uuid.UUID, service: str) -> None:
    """A service answered. A late answer after a time-out still counts: the tenant heals."""
    tenant = repository.by_id(session, tenant_id, for_update=True)
    if tenant is None:
        return
    steps = {step.service: step for step in repository.steps_of(session, tenant_id)}
    step = steps.get(service)
    if step is None:
        return  # a service that is not (or no longer) required
    step.state = ServiceState.DONE
    step.reason = None
    session.flush()
    if tenant.status in (TenantStatus.PROVISIONING, TenantStatus.FAILED):
        _activate_when_complete(session, tenant)


def fail_overdue(session: Session, *, settings: IdentitySettings, now: datetime) -> list[uuid.UUID]:
    timeout = settings.provisioning_timeout_seconds
    failed = []
    for tenant in repository.overdue(session, started_before=now - timedelta(seconds=timeout)):
        for step in repository.steps_of(session, tenant.id):
            if step.state == ServiceState.PENDING:
                step.state = ServiceState.FAILED
                step.reason = f"no {step.service}.tenant.provisioned within {timeout} s"
        _set_status(session, tenant, TenantStatus.FAILED, event="provisioning_failed")
        failed.append(tenant.id)
    return failed


def retry(
    session: Session, *, slug: str, settings: IdentitySettings, now: datetime
) -> TenantAccount:
    tenant = repository.by_slug(session, slug)
    if tenant is None:
        raise NotFound("no such tenant")
    if tenant.status != TenantStatus.FAILED:
        raise Conflict(f"the tenant is {tenant.status}, only a failed tenant is retried")
    steps = {step.service: step for step in repository.steps_of(session, tenant.id)}
    for service in settings.required_services:
        if service not in steps:
            repository.add_step(session, ProvisioningStep(tenant_id=tenant.id, service=service))
    for step in steps.values():
        if step.state == ServiceState.FAILED:
            step.state, step.reason = ServiceState.PENDING, None
    tenant.provisioning_started_at = now
    _set_status(session, tenant, TenantStatus.PROVISIONING, event="provisioning_retried")
    with tenant_context(tenant.id):
        record_event(session, type="identity.tenant.created", data=_published(tenant))
    return tenant


def get_tenant(session: Session, *, tenant_id: uuid.UUID) -> TenantAccount:
    tenant = repository.by_id(session, tenant_id)
    if tenant is None:
        raise NotFound("no such tenant")
    return tenant


def update_settings(
    session: Session,
    *,
    tenant_id: uuid.UUID,
    changes: dict[str, Any],
    expected_version: int | None,
) -> TenantAccount:
    tenant = get_tenant(session, tenant_id=tenant_id)
    check_version(tenant.version, expected_version)
    for name in ("name", "locale", "time_zone", "currency"):
        if changes.get(name) is not None:
            setattr(tenant, name, changes[name])
    tenant.version += 1
    session.flush()
    record_event(session, type="identity.tenant.updated", data=_published(tenant))
    return tenant


def suspend(session: Session, *, tenant_id: uuid.UUID) -> TenantAccount:
    """Every token of the tenant is refused (the session check asks the tenant's status);
    its data stays."""
    tenant = get_tenant(session, tenant_id=tenant_id)
    if tenant.status != TenantStatus.SUSPENDED:
        _set_status(session, tenant, TenantStatus.SUSPENDED, event="suspended")
    return tenant


def reactivate(session: Session, *, tenant_id: uuid.UUID) -> TenantAccount:
    tenant = get_tenant(session, tenant_id=tenant_id)
    if tenant.status == TenantStatus.SUSPENDED:
        _set_status(session, tenant, TenantStatus.ACTIVE, event="activated")
    return tenant
