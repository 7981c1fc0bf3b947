"""Failed logins counted per account and per address in the database, so every replica
sees the same counts. The account key exists whether or not the email does: a blocked
unknown email looks exactly like a blocked real one."""

import hashlib
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from crm_identity.auth import repository
from crm_identity.common.errors import TooManyAttempts
from crm_identity.settings import IdentitySettings


def account_key(tenant_slug: str, email: str) -> str:
    digest = hashlib.sha256(f"{tenant_slug}\n{email.strip().lower()}".encode()).hexdigest()
    return f"account:{digest}"


def address_key(ip: str) -> str:
    return f"ip:{ip}"


def check(session: Session, *, keys: list[str], now: datetime) -> None:
    for row in repository.throttles(session, keys):
        if row.blocked_until is not None and row.blocked_until > now:
            retry_after = int((row.blocked_until - now).total_seconds()) + 1
            raise TooManyAttempts(
                "too many failed sign-ins; try again later", retry_after_seconds=retry_after
            )


def count_failure(
    session: Session,
    *,
    account: str,
    address: str,
    settings: IdentitySettings,
    now: datetime,
) -> None:
    window_start = now - timedelta(seconds=settings.login_failure_window_seconds)
    limits = {
        account: settings.login_max_failures_per_account,
        address: settings.login_max_failures_per_ip,
    }
    for key, limit in limits.items():
        row = repository.count_failure(session, key, now=now, window_start=window_start)
        if row.failures >= limit:
            repository.block(
                session, key, until=now + timedelta(seconds=settings.login_block_seconds)
            )


def forget_account(session: Session, *, account: str) -> None:
    repository.clear(session, account)
