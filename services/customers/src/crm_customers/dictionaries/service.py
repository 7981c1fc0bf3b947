"""Per-tenant dictionaries: industries, sources, levels, statuses (renameable, extendable;
the four built in are potential, intent, deal, lost) and tags. A key is what records store;
a label is what people read, and renaming changes only the label."""

from sqlalchemy.orm import Session

from crm_customers.common.access import Caller
from crm_customers.dictionaries import repository
from crm_customers.dictionaries.models import DictionaryItem
from crm_customers.dictionaries.schemas import (
    DictionaryItemIn,
    DictionaryItemPatch,
    DictionaryKind,
)
from crmkit.errors import Conflict, InvalidInput, NotFound, PreconditionFailed

# Customer fields whose values come from a dictionary, and which dictionary.
DICTIONARY_FIELDS = {
    "industry": DictionaryKind.INDUSTRY,
    "source": DictionaryKind.SOURCE,
    "level": DictionaryKind.LEVEL,
    "status": DictionaryKind.STATUS,
}


def list_items(session: Session, *, kind: DictionaryKind) -> list[DictionaryItem]:
    return repository.items(session, kind.value)


def add_item(
    session: Session, *, caller: Caller, kind: DictionaryKind, data: DictionaryItemIn
) -> DictionaryItem:
    caller.require("manage_settings")
    if repository.by_key(session, kind.value, data.key) is not None:
        raise Conflict(f"{kind.value} {data.key!r} exists")
    item = DictionaryItem(kind=kind.value, key=data.key, label=data.label, position=data.position)
    repository.add(session, item)
    return item


def update_item(
    session: Session,
    *,
    caller: Caller,
    kind: DictionaryKind,
    key: str,
    data: DictionaryItemPatch,
    expected_version: int | None,
) -> DictionaryItem:
    caller.require("manage_settings")
    item = repository.by_key(session, kind.value, key)
    if item is None:
        raise NotFound(f"no {kind.value} {key!r}")
    if expected_version is not None and expected_version != item.version:
        raise PreconditionFailed("the item changed since you read it", version=item.version)
    for name, value in data.model_dump(exclude_unset=True).items():
        if value is not None:
            setattr(item, name, value)
    session.flush()
    return item


def check_values(session: Session, values: dict[str, object]) -> None:
    """422 naming the field when a dictionary-backed value is not an active key."""
    for name, kind in DICTIONARY_FIELDS.items():
        value = values.get(name)
        if value is not None and value not in repository.active_keys(session, kind.value):
            raise InvalidInput.on_field(name, f"{value!r} is not a {kind.value} of this tenant")
    tags = values.get("tags")
    if tags:
        known = repository.active_keys(session, DictionaryKind.TAG.value)
        unknown = [t for t in tags if t not in known]  # type: ignore[attr-defined]
        if unknown:
            raise InvalidInput.on_field("tags", f"unknown tags: {', '.join(unknown)}")
