"""The shared filter syntax: `<field>:<op>:<value>`, parsed the same in every service."""

import pytest

from crmkit.errors import InvalidInput
from crmkit.filters import Clause, parse_filter


@pytest.mark.parametrize(
    ("raw", "clause"),
    [
        ("level:eq:a", Clause("level", "eq", "a")),
        ("custom.region:in:north,south", Clause("custom.region", "in", "north,south")),
        (
            "updated_at:gte:2026-01-01T10:00:00+08:00",  # colons in the value survive
            Clause("updated_at", "gte", "2026-01-01T10:00:00+08:00"),
        ),
        ("custom.revenue:between:1,2", Clause("custom.revenue", "between", "1,2")),
        ("city:is_empty", Clause("city", "is_empty", "")),
        ("name:contains:", Clause("name", "contains", "")),
    ],
)
def test_parse(raw: str, clause: Clause) -> None:
    assert parse_filter(raw) == clause


@pytest.mark.parametrize("raw", ["level", "level:like:a", ":eq:a", "level:eq"])
def test_refused_naming_the_parameter(raw: str) -> None:
    with pytest.raises(InvalidInput) as error:
        parse_filter(raw)
    assert error.value.errors[0].field == "filter"
