import uuid
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from crm_identity.tenants.models import ProvisioningStep, TenantAccount
from crmkit.registry import TenantRecord


def by_slug(session: Session, slug: str) -> TenantAccount | None:
    return session.scalars(select(TenantAccount).where(TenantAccount.slug == slug)).first()


def by_id(
    session: Session, tenant_id: uuid.UUID, *, for_update: bool = False
) -> TenantAccount | None:
    query = select(TenantAccount).where(TenantAccount.id == tenant_id)
    if for_update:
        query = query.with_for_update()
    return session.scalars(query).first()


def add(session: Session, tenant: TenantAccount, steps: list[ProvisioningStep]) -> None:
    session.add(tenant)
    session.flush()
    session.add_all(steps)
    session.flush()


def steps_of(session: Session, tenant_id: uuid.UUID) -> list[ProvisioningStep]:
    return list(
        session.scalars(
            select(ProvisioningStep)
            .where(ProvisioningStep.tenant_id == tenant_id)
            .order_by(ProvisioningStep.service)
        )
    )


def add_step(session: Session, step: ProvisioningStep) -> None:
    session.add(step)
    session.flush()


def overdue(session: Session, *, started_before: datetime) -> list[TenantAccount]:
    return list(
        session.scalars(
            select(TenantAccount)
            .where(
                TenantAccount.status == "provisioning",
                TenantAccount.provisioning_started_at < started_before,
            )
            .with_for_update(skip_locked=True)
        )
    )


def register(session: Session, tenant_id: uuid.UUID, status: str) -> None:
    """crmkit's tenant registry row, inserted before the schema is provisioned so that
    provisioning keeps this status rather than its default."""
    session.execute(insert(TenantRecord).values(id=tenant_id, status=status))


def set_registry_status(session: Session, tenant_id: uuid.UUID, status: str) -> None:
    session.execute(update(TenantRecord).where(TenantRecord.id == tenant_id).values(status=status))
