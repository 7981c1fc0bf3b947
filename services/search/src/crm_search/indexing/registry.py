"""The record types the search service indexes. A new type (leads, tickets, knowledge
articles, file names) joins by adding one `RecordType` here: its index, the data scope module
and permission that guard it, which events feed it and how their `data` becomes a document.

Every document has the same top-level shape (see `store.MAPPING`): `tenant_id`, `type`,
`title`, `short_name`, `phones`, `emails`, `tags`, `custom`, `owner_id`, `collaborator_ids`,
`deleted`, `version`, `created_at`, `at`, `pinyin`, and `attrs` (keywords for reports and
result fields). Restrictable fields (`phone`, `email`, `tags`, custom keys) are the ones
identity's field rules name; they are masked or hidden per caller when results are shown.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

Document = dict[str, Any]
DocumentBuilder = Callable[[dict[str, Any]], Document]


@dataclass(frozen=True)
class RecordType:
    name: str
    """The group name in search answers and `types=`: `customer`."""
    index: str
    """Index base name: alias `<prefix>-<index>`, index `<prefix>-<index>-v<mapping_version>`."""
    mapping_version: int
    module: str
    """Identity module whose data scope and field rules apply."""
    permission: str
    events: tuple[str, ...]
    """Event patterns (AMQP topic syntax) whose `data` is this record."""
    build: DocumentBuilder
    searchable: bool = True
    """False: indexed for reports only (follow-ups), not answered by the search box."""
    result_attrs: tuple[str, ...] = ()
    """`attrs` keys shown in search results."""
    deleted_verbs: frozenset[str] = field(default_factory=lambda: frozenset({"deleted"}))
    versioned: bool = True
    """False: records never change (follow-ups); a repeated event rewrites the same document."""


def _text(value: Any) -> str:
    if isinstance(value, list):
        return " ".join(str(v) for v in value)
    return "" if value is None else str(value)


def _custom(data: dict[str, Any]) -> dict[str, str]:
    # Every value as text: one tenant's number and another's text under the same key
    # must not fight over the shared mapping. Events that say which keys are searchable
    # (`searchable_custom`, customers') get only those indexed; others (contacts, the
    # re-index stream) carry no such list and keep every key.
    searchable = data.get("searchable_custom")
    return {
        str(k): _text(v)
        for k, v in (data.get("custom") or {}).items()
        if v not in (None, "") and (searchable is None or k in searchable)
    }


def customer_document(data: dict[str, Any]) -> Document:
    return {
        "title": data.get("name") or "",
        "short_name": data.get("short_name") or "",
        "phones": list(data.get("phones") or []),
        "emails": list(data.get("emails") or []),
        "tags": list(data.get("tags") or []),
        "custom": _custom(data),
        "owner_id": data.get("owner_id"),
        "collaborator_ids": list(data.get("collaborator_ids") or []),
        "deleted": bool(data.get("deleted_at") or data.get("merged_into_id")),
        "created_at": data.get("created_at"),
        "attrs": {
            key: data.get(key)
            for key in (
                "kind",
                "level",
                "status",
                "source",
                "industry",
                "province",
                "city",
                "department_id",
            )
        },
    }


def contact_document(data: dict[str, Any]) -> Document:
    # Contacts are seen through their customer: `owner_id`, `collaborator_ids` and the
    # customer's name are copied from the customer's document (see `events`).
    phones = list(data.get("phones") or [])
    return {
        "title": data.get("name") or "",
        "phones": phones,
        "wechat": data.get("wechat") or None,
        "emails": [data["email"]] if data.get("email") else [],
        "custom": _custom(data),
        "attrs": {"customer_id": data.get("customer_id"), "job_title": data.get("title")},
        "deleted": False,
    }


def followup_document(data: dict[str, Any]) -> Document:
    customer = data.get("customer") or {}
    return {
        "title": data.get("title") or (data.get("content") or "")[:100],
        "owner_id": customer.get("owner_id"),
        "collaborator_ids": list(customer.get("collaborator_ids") or []),
        "at": data.get("at"),
        "created_at": data.get("created_at"),
        "deleted": False,
        "version": 1,
        "attrs": {
            "customer_id": data.get("customer_id"),
            "created_by": data.get("created_by"),
            "kind": data.get("kind"),
        },
    }


CUSTOMER = RecordType(
    name="customer",
    index="customers",
    mapping_version=1,
    module="customers",
    permission="customers:view",
    events=("customers.customer.*",),
    build=customer_document,
    result_attrs=("kind", "level", "status", "source", "industry", "province", "city"),
)
CONTACT = RecordType(
    name="contact",
    index="contacts",
    mapping_version=1,
    module="customers",
    permission="customers:view",
    events=("customers.contact.*",),
    build=contact_document,
    result_attrs=("customer_id", "customer_name", "job_title"),
)
FOLLOWUP = RecordType(
    name="followup",
    index="followups",
    mapping_version=1,
    module="customers",
    permission="customers:view",
    events=("customers.followup.created",),
    build=followup_document,
    searchable=False,
    versioned=False,
)

RECORD_TYPES: dict[str, RecordType] = {t.name: t for t in (CUSTOMER, CONTACT, FOLLOWUP)}
SEARCHABLE = tuple(t.name for t in RECORD_TYPES.values() if t.searchable)
