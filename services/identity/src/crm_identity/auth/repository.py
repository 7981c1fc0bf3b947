import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import case, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from crm_identity.auth.models import AuthSession, LoginThrottle, RefreshToken


def add_session(session: Session, auth_session: AuthSession) -> None:
    session.add(auth_session)
    session.flush()


def session_by_id(session: Session, session_id: uuid.UUID) -> AuthSession | None:
    return session.scalars(select(AuthSession).where(AuthSession.id == session_id)).first()


def end_session(session: Session, session_id: uuid.UUID, *, reason: str, now: datetime) -> None:
    session.execute(
        update(AuthSession)
        .where(AuthSession.id == session_id, AuthSession.ended_at.is_(None))
        .values(ended_at=now, end_reason=reason)
    )


def end_sessions_of(
    session: Session,
    principal_id: uuid.UUID,
    *,
    reason: str,
    now: datetime,
    keep: uuid.UUID | None = None,
) -> None:
    query = update(AuthSession).where(
        AuthSession.principal_id == principal_id, AuthSession.ended_at.is_(None)
    )
    if keep is not None:
        query = query.where(AuthSession.id != keep)
    session.execute(query.values(ended_at=now, end_reason=reason))


def add_refresh_token(session: Session, token: RefreshToken) -> None:
    session.add(token)
    session.flush()


def refresh_token_by_hash(session: Session, token_hash: str) -> RefreshToken | None:
    return session.scalars(
        select(RefreshToken).where(RefreshToken.token_hash == token_hash).with_for_update()
    ).first()


def throttles(session: Session, keys: list[str]) -> list[LoginThrottle]:
    return list(session.scalars(select(LoginThrottle).where(LoginThrottle.key.in_(keys))))


def count_failure(
    session: Session, key: str, *, now: datetime, window_start: datetime
) -> LoginThrottle:
    """One more failure for `key`, in a window that restarts once it has passed."""
    return session.execute(
        insert(LoginThrottle)
        .values(key=key, failures=1, window_started_at=now)
        .on_conflict_do_update(
            index_elements=[LoginThrottle.key],
            set_={
                "failures": _case_window(window_start, LoginThrottle.failures + 1, 1),
                "window_started_at": _case_window(
                    window_start, LoginThrottle.window_started_at, now
                ),
            },
        )
        .returning(LoginThrottle)
    ).scalar_one()


def _case_window(window_start: datetime, within: Any, restarted: Any) -> Any:
    return case((LoginThrottle.window_started_at >= window_start, within), else_=restarted)


def block(session: Session, key: str, *, until: datetime) -> None:
    session.execute(
        update(LoginThrottle).where(LoginThrottle.key == key).values(blocked_until=until)
    )


def clear(session: Session, key: str) -> None:
    session.execute(
        update(LoginThrottle).where(LoginThrottle.key == key).values(failures=0, blocked_until=None)
    )
