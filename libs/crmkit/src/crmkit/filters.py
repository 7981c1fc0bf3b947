"""One filter and sort syntax for every list of every service.

    ?filter=<field>:<op>:<value>&filter=...&sort=-updated_at

Filters are ANDed. Ops: `eq`, `ne`, `in` (values separated by `,`), `contains`,
`starts_with` (case-insensitive), `gt`, `gte`, `lt`, `lte`, `between` (`low,high`, both
inclusive), `is_empty` (value `true`, the default, or `false`). The value is everything after
the second `:` (so times with colons need no escaping). `sort` names one field, `-` first
for descending. A service declares which fields may be filtered and sorted (`Filterable`);
anything else is a `422` naming the `filter` or `sort` parameter.

`count_or_estimate` gives a list's total: exact when it is at most `threshold`, otherwise
PostgreSQL's planner estimate, flagged as such.
"""

import json
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, not_, or_, select
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import ClauseElement, Executable

from crmkit.errors import InvalidInput


class FieldType(StrEnum):
    TEXT = "text"
    NUMBER = "number"
    DATE = "date"
    DATETIME = "datetime"
    BOOL = "bool"
    UUID = "uuid"
    TEXT_LIST = "text_list"  # a JSONB array of strings (tags, multi select, phones)


OPS = (
    "eq",
    "ne",
    "in",
    "contains",
    "starts_with",
    "gt",
    "gte",
    "lt",
    "lte",
    "between",
    "is_empty",
)


@dataclass(frozen=True)
class Filterable:
    column: ColumnElement[Any]
    type: FieldType = FieldType.TEXT
    sortable: bool = True
    # A key inside a JSONB document (`document[key]` is `column`): `eq` and `in` then test
    # containment (`document @> {"key": value}`), which a GIN index on the document answers;
    # `document->>'key' = value` would read every row.
    document: ColumnElement[Any] | None = None
    key: str | None = None


@dataclass(frozen=True)
class Clause:
    field: str
    op: str
    value: str


FieldLookup = Mapping[str, Filterable] | Callable[[str], Filterable | None]


def parse_filter(raw: str) -> Clause:
    name, sep1, rest = raw.partition(":")
    op, sep2, value = rest.partition(":")
    if not sep1 or not name:
        raise InvalidInput.on_field("filter", f"{raw!r}: expected <field>:<op>:<value>")
    if op not in OPS:
        raise InvalidInput.on_field("filter", f"{raw!r}: unknown op {op!r}")
    if not sep2 and op != "is_empty":
        raise InvalidInput.on_field("filter", f"{raw!r}: expected <field>:<op>:<value>")
    return Clause(field=name, op=op, value=value)


def _lookup(fields: FieldLookup, name: str) -> Filterable | None:
    if callable(fields):
        return fields(name)
    return fields.get(name)


def _convert(clause: Clause, kind: FieldType, raw: str) -> Any:
    try:
        if kind is FieldType.NUMBER:
            return Decimal(raw)
        if kind is FieldType.DATE:
            return date.fromisoformat(raw)
        if kind is FieldType.DATETIME:
            return datetime.fromisoformat(raw.replace("Z", "+00:00"))
        if kind is FieldType.BOOL:
            if raw.lower() not in ("true", "false"):
                raise ValueError(raw)
            return raw.lower() == "true"
        if kind is FieldType.UUID:
            return uuid.UUID(raw)
    except (ValueError, InvalidOperation) as exc:
        raise InvalidInput.on_field(
            "filter", f"{clause.field}: {raw!r} is not a valid {kind.value}"
        ) from exc
    return raw


def _like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _contained(clause: Clause, target: Filterable) -> ColumnElement[bool] | None:
    """Containment for `eq`/`in` on a text, yes/no or list key of a JSONB document."""
    document, key, kind = target.document, target.key, target.type
    if document is None or key is None or clause.op not in ("eq", "in"):
        return None
    if kind not in (FieldType.TEXT, FieldType.BOOL, FieldType.TEXT_LIST):
        return None
    raws = clause.value.split(",") if clause.op == "in" else [clause.value]
    values: list[Any] = [_convert(clause, kind, raw) for raw in raws]
    if kind is FieldType.TEXT_LIST:
        values = [[value] for value in values]
    return or_(*[document.contains(_json({key: value})) for value in values])


def condition(clause: Clause, target: Filterable) -> ColumnElement[bool]:
    contained = _contained(clause, target)
    if contained is not None:
        return contained
    col, kind, op, raw = target.column, target.type, clause.op, clause.value
    if op == "is_empty":
        want = raw.lower() != "false"
        empty: ColumnElement[bool] = col.is_(None)
        if kind is FieldType.TEXT:
            empty = or_(col.is_(None), col == "")
        elif kind is FieldType.TEXT_LIST:
            empty = or_(col.is_(None), func.jsonb_array_length(col) == 0)
        return empty if want else not_(empty)
    if kind is FieldType.TEXT_LIST:
        if op in ("eq", "contains"):
            return col.contains(_json([raw]))
        if op == "ne":
            return or_(col.is_(None), not_(col.contains(_json([raw]))))
        if op == "in":
            return or_(*[col.contains(_json([v])) for v in raw.split(",")])
        raise InvalidInput.on_field("filter", f"{clause.field}: {op} does not apply to a list")
    if op in ("contains", "starts_with"):
        if kind is not FieldType.TEXT:
            raise InvalidInput.on_field("filter", f"{clause.field}: {op} applies to text only")
        pattern = f"%{_like(raw)}%" if op == "contains" else f"{_like(raw)}%"
        return col.ilike(pattern, escape="\\")
    if op == "in":
        return col.in_([_convert(clause, kind, v) for v in raw.split(",")])
    if op == "between":
        low, sep, high = raw.partition(",")
        if not sep:
            raise InvalidInput.on_field("filter", f"{clause.field}: between needs low,high")
        return and_(col >= _convert(clause, kind, low), col <= _convert(clause, kind, high))
    value = _convert(clause, kind, raw)
    if op == "eq":
        return col == value  # type: ignore[no-any-return]
    if op == "ne":
        return or_(col.is_(None), col != value)
    if kind is FieldType.BOOL:
        raise InvalidInput.on_field("filter", f"{clause.field}: {op} does not apply to yes/no")
    compared: dict[str, ColumnElement[bool]] = {
        "gt": col > value,
        "gte": col >= value,
        "lt": col < value,
        "lte": col <= value,
    }
    return compared[op]


def _json(value: Any) -> Any:
    from sqlalchemy import cast, literal

    return cast(literal(json.dumps(value)), JSONB)


def apply_filters(query: Select[Any], raws: Sequence[str], fields: FieldLookup) -> Select[Any]:
    for raw in raws:
        clause = parse_filter(raw)
        target = _lookup(fields, clause.field)
        if target is None:
            raise InvalidInput.on_field("filter", f"unknown field {clause.field!r}")
        query = query.where(condition(clause, target))
    return query


def parse_sort(raw: str | None, fields: FieldLookup, *, default: str) -> tuple[Filterable, bool]:
    """The column to sort by and whether descending."""
    spec = raw or default
    descending = spec.startswith("-")
    name = spec.lstrip("-+")
    target = _lookup(fields, name)
    if target is None or not target.sortable:
        raise InvalidInput.on_field("sort", f"cannot sort by {name!r}")
    return target, descending


class Explain(Executable, ClauseElement):
    """`EXPLAIN (FORMAT JSON)` of a statement, compiled like the statement itself (the
    tenant's schema mapped), so the plan is the one the query would really get."""

    inherit_cache = False

    def __init__(self, statement: Select[Any]) -> None:
        self.statement = statement


@compiles(Explain)
def _compile_explain(element: Explain, compiler: Any, **kw: Any) -> str:
    return "EXPLAIN (FORMAT JSON) " + str(compiler.process(element.statement, **kw))


def count_or_estimate(
    session: Session, query: Select[Any], *, threshold: int = 10_000
) -> tuple[int, bool]:
    """(total, is_estimate): counts at most `threshold + 1` rows, then asks the planner."""
    capped = query.order_by(None).limit(threshold + 1).subquery()
    counted = int(session.scalar(select(func.count()).select_from(capped)) or 0)
    if counted <= threshold:
        return counted, False
    plan: Any = session.execute(Explain(query.order_by(None))).scalar()
    if isinstance(plan, str):
        plan = json.loads(plan)
    try:
        estimate = int(plan[0]["Plan"]["Plan Rows"])
    except (TypeError, KeyError, IndexError, ValueError):
        estimate = counted
    return max(estimate, counted), True
