"""Cursor pagination: every row exactly once, even with rows inserted between pages."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from crmkit.db import Database
from crmkit.errors import InvalidInput
from crmkit.pagination import SortKey, decode_cursor, page_of, paginate
from crmkit.tenancy import tenant_context

from .sample.models import Note

NEWEST_FIRST = SortKey(column=Note.created_at, id_column=Note.id, descending=True)


def read_page(db: Database, cursor: str | None, limit: int = 7) -> tuple[list[str], str | None]:
    with db.tenant_session() as session:
        rows = session.scalars(
            paginate(select(Note), key=NEWEST_FIRST, limit=limit, cursor=cursor)
        ).all()
        items, next_cursor = page_of(rows, limit=limit, key_of=lambda n: (n.created_at, n.id))
        return [n.title for n in items], next_cursor


def test_pages_stay_correct_under_concurrent_inserts(db: Database, tenant_a: uuid.UUID) -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    with tenant_context(tenant_a):
        with db.tenant_transaction() as session:
            # Several rows share a timestamp: the id breaks the tie.
            for i in range(30):
                session.add(Note(title=f"n{i:02d}", created_at=start + timedelta(minutes=i // 3)))
        seen: list[str] = []
        cursor: str | None = None
        while True:
            titles, cursor = read_page(db, cursor)
            seen.extend(titles)
            with db.tenant_transaction() as session:  # someone keeps adding newer notes
                session.add(Note(title=f"new after {len(seen)}"))
            if cursor is None:
                break
    original = [t for t in seen if t.startswith("n")]
    assert sorted(original) == [f"n{i:02d}" for i in range(30)], "every row exactly once"
    assert len(original) == len(set(original))
    assert not [t for t in seen if t.startswith("new")], "newer rows do not shift old pages"


def test_a_forged_cursor_is_a_422_naming_cursor(db: Database, tenant_a: uuid.UUID) -> None:
    with pytest.raises(InvalidInput) as error:
        decode_cursor("not-a-cursor!")
    assert error.value.errors[0].field == "cursor"
    with tenant_context(tenant_a), pytest.raises(InvalidInput):
        read_page(db, "WyJub3QgYSBkYXRlIiwgIngiXQ")


def test_limit_is_bounded(db: Database, tenant_a: uuid.UUID) -> None:
    with tenant_context(tenant_a), pytest.raises(InvalidInput) as error:
        read_page(db, None, limit=0)
    assert error.value.errors[0].field == "limit"
