"""Lists of ids in a request (`?ids=<id>,<id>`, a repeated gRPC field): parsed once, the
same way everywhere, refused as `422` naming the field."""

import uuid
from collections.abc import Iterable

from crmkit.errors import InvalidInput


def split_ids(raw: str) -> list[str]:
    """`a, b,,c` → `["a", "b", "c"]`: a query's comma-separated list, blanks left out."""
    return [part.strip() for part in raw.split(",") if part.strip()]


def parse_ids(
    values: Iterable[str], *, field: str, at_most: int, what: str = "id"
) -> list[uuid.UUID]:
    """Distinct UUIDs in the order first given; more than `at_most` distinct, or one that is
    not a UUID, is `InvalidInput` on `field`."""
    found: dict[uuid.UUID, None] = {}
    for value in values:
        try:
            found[uuid.UUID(value)] = None
        except (ValueError, TypeError, AttributeError):
            raise InvalidInput.on_field(field, f"{str(value)[:40]!r} is not a {what}") from None
        if len(found) > at_most:
            raise InvalidInput.on_field(field, f"at most {at_most} ids at once")
    return list(found)
