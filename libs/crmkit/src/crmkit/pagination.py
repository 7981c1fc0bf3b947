"""Cursor (keyset) pagination: stable under concurrent inserts, unlike offsets.

A cursor is the opaque, URL-safe encoding of the last row's sort key and id. The next page
is everything strictly after it in the sort order, so rows inserted meanwhile neither
shift nor repeat a page.
"""

import base64
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Generic, TypeVar

from pydantic import BaseModel
from sqlalchemy import ColumnElement, Select, and_, or_, tuple_

from crmkit.errors import InvalidInput

T = TypeVar("T")

MAX_LIMIT = 200


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = None
    total: int | None = None
    total_is_estimate: bool | None = None


@dataclass(frozen=True)
class SortKey:
    """One sort column plus the unique tie-breaker `id` column."""

    column: ColumnElement[Any]
    id_column: ColumnElement[Any]
    descending: bool = False


def encode_cursor(values: Sequence[Any]) -> str:
    raw = json.dumps([_jsonable(v) for v in values], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> list[Any]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidInput.on_field("cursor", "not a cursor this API issued") from exc
    if not isinstance(values, list) or len(values) != 2:
        raise InvalidInput.on_field("cursor", "not a cursor this API issued")
    return values


def check_limit(limit: int) -> int:
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput.on_field("limit", f"must be between 1 and {MAX_LIMIT}")
    return limit


def paginate(query: Select[Any], *, key: SortKey, limit: int, cursor: str | None) -> Select[Any]:
    """Order `query` by the key and keep one row more than `limit` (to know if more follow).

    A column that cannot be NULL is ordered and compared plainly, as a row value with the id,
    so PostgreSQL walks an index on `(column, id)` instead of sorting every row (NULLS LAST on
    a descending key would not match such an index)."""
    check_limit(limit)
    nullable = _nullable(key.column)
    if key.descending:
        primary = key.column.desc().nulls_last() if nullable else key.column.desc()
        query = query.order_by(primary, key.id_column.desc())
    else:
        query = query.order_by(key.column.asc().nulls_last(), key.id_column.asc())
    if cursor:
        last_value, last_id = decode_cursor(cursor)
        value = _restore(key.column, last_value)
        last = _restore(key.id_column, last_id)
        if nullable:
            query = query.where(_after(key, value, last))
        elif key.descending:
            query = query.where(tuple_(key.column, key.id_column) < tuple_(value, last))
        else:
            query = query.where(tuple_(key.column, key.id_column) > tuple_(value, last))
    return query.limit(limit + 1)


def _nullable(column: ColumnElement[Any]) -> bool:
    target = getattr(column, "expression", column)
    return getattr(target, "nullable", True) is not False


def _after(key: SortKey, value: Any, last_id: Any) -> ColumnElement[bool]:
    if value is None:  # nulls sort last: only later ids among the nulls remain
        tie = key.id_column < last_id if key.descending else key.id_column > last_id
        return and_(key.column.is_(None), tie)
    beyond = key.column < value if key.descending else key.column > value
    tie = key.id_column < last_id if key.descending else key.id_column > last_id
    return or_(beyond, and_(key.column == value, tie), key.column.is_(None))


def page_of(rows: Sequence[T], *, limit: int, key_of: Any) -> tuple[list[T], str | None]:
    """Split the `limit + 1` rows `paginate` fetched into a page and the next cursor."""
    items = list(rows[:limit])
    if len(rows) <= limit or not items:
        return items, None
    return items, encode_cursor(key_of(items[-1]))


def _restore(column: ColumnElement[Any], value: Any) -> Any:
    """Turn a cursor's JSON value back into the column's Python type."""
    if value is None:
        return None
    try:
        python_type = column.type.python_type
    except NotImplementedError:
        return value
    try:
        if python_type is datetime:
            return datetime.fromisoformat(value)
        if python_type is date:
            return date.fromisoformat(value)
        if python_type in (uuid.UUID, Decimal):
            return python_type(value)
    except (TypeError, ValueError) as exc:
        raise InvalidInput.on_field("cursor", "not a cursor this API issued") from exc
    return value


def _jsonable(value: Any) -> Any:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, (uuid.UUID, Decimal)):
        return str(value)
    return value
