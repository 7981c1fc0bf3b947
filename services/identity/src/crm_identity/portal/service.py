"""Portal accounts: a tenant's customer contacts and partner staff, created by staff and
linked to the customer or partner record they belong to. Their tokens say `knd=portal`;
staff routes refuse them."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from crm_identity.audit import service as audit
from crm_identity.auth import repository as sessions
from crm_identity.common.http import check_version
from crm_identity.common.passwords import check_strength, hash_password
from crm_identity.portal import repository
from crm_identity.portal.models import PortalAccount
from crm_identity.users.service import normalise_email
from crmkit.auth import Principal
from crmkit.errors import Conflict, NotFound
from crmkit.events import record_event


def _published(account: PortalAccount) -> dict[str, Any]:
    return {
        "id": str(account.id),
        "email": account.email,
        "name": account.name,
        "kind": account.kind,
        "linked_record_id": str(account.linked_record_id),
        "status": account.status,
    }


def create_account(
    session: Session,
    *,
    actor: Principal,
    email: str,
    name: str,
    password: str,
    kind: str,
    linked_record_id: uuid.UUID,
) -> PortalAccount:
    email = normalise_email(email)
    check_strength(password, field="password")
    if repository.by_email(session, email) is not None:
        raise Conflict("a portal account with this email exists")
    account = PortalAccount(
        email=email,
        name=name,
        password_hash=hash_password(password),
        kind=kind,
        linked_record_id=linked_record_id,
        status="active",
        created_by=uuid.UUID(actor.subject),
        version=1,
    )
    repository.add(session, account)
    audit.record(
        session,
        action="portal_account.created",
        actor=actor,
        target_type="portal_account",
        target_id=account.id,
        details={"kind": kind, "linked_record_id": str(linked_record_id)},
    )
    record_event(session, type="identity.portal_account.created", data=_published(account))
    return account


def get_account(session: Session, *, account_id: uuid.UUID) -> PortalAccount:
    account = repository.by_id(session, account_id)
    if account is None:
        raise NotFound("no such portal account")
    return account


def list_accounts(session: Session) -> list[PortalAccount]:
    return repository.all_accounts(session)


def update_account(
    session: Session,
    *,
    actor: Principal,
    account_id: uuid.UUID,
    changes: dict[str, Any],
    expected_version: int | None,
    now: datetime,
) -> PortalAccount:
    account = get_account(session, account_id=account_id)
    check_version(account.version, expected_version)
    if changes.get("name") is not None:
        account.name = changes["name"]
    status = changes.get("status")
    if status is not None and status != account.status:
        account.status = status
        if status == "disabled":
            sessions.end_sessions_of(session, account.id, reason="account_disabled", now=now)
        audit.record(
            session,
            action=f"portal_account.{'disabled' if status == 'disabled' else 'enabled'}",
            actor=actor,
            target_type="portal_account",
            target_id=account.id,
        )
    account.version += 1
    session.flush()
    record_event(session, type="identity.portal_account.updated", data=_published(account))
    return account
