"""Id lists in requests: one parser, refusals naming the field."""

import uuid

import pytest

from crmkit.errors import InvalidInput
from crmkit.ids import parse_ids, split_ids


def test_ids_are_split_parsed_and_kept_distinct_in_order() -> None:
    a, b = uuid.uuid4(), uuid.uuid4()
    assert split_ids(f" {a}, ,{b},{a} ") == [str(a), str(b), str(a)]
    assert parse_ids([str(a), str(b), str(a).upper()], field="ids", at_most=2) == [a, b]


def test_too_many_or_malformed_ids_name_the_field() -> None:
    with pytest.raises(InvalidInput) as too_many:
        parse_ids([str(uuid.uuid4()) for _ in range(3)], field="ids", at_most=2)
    assert too_many.value.errors[0].field == "ids"
    assert "at most 2" in too_many.value.errors[0].reason
    with pytest.raises(InvalidInput) as malformed:
        parse_ids(["not-an-id"], field="owner_ids", at_most=5, what="user id")
    assert malformed.value.errors[0].field == "owner_ids"
    assert "'not-an-id' is not a user id" == malformed.value.errors[0].reason
