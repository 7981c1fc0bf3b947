"""Applying domain events to the read model: each event's `data` (the record as its owner
sees it, unmasked) becomes the record's document, written with the record's version.

Handlers run outside any tenant schema (the search service keeps no tables of its own
beyond crmkit's inbox). When OpenSearch is unreachable they raise, and the consumer puts
the event back in the queue (`TRANSIENT_ERRORS`) without spending its retry budget.
"""

import logging
import re
from collections.abc import Callable
from typing import Any

from opensearchpy import OpenSearch
from pypinyin import Style, lazy_pinyin
from sqlalchemy.orm import Session

from crm_search.indexing import store
from crm_search.indexing.registry import CONTACT, CUSTOMER, RECORD_TYPES, Document, RecordType
from crmkit.events.consumer import Handler
from crmkit.events.envelope import CloudEvent

log = logging.getLogger(__name__)

TRANSIENT_ERRORS = store.UNAVAILABLE_ERRORS
_CJK = re.compile(r"[\u3400-\u9fff]")


def pinyin_of(*texts: str) -> str:
    """Full pinyin and initials of Chinese text: `华强` → `huaqiang hq`, so Latin
    typing finds Chinese names."""
    words: list[str] = []
    for text in texts:
        if text and _CJK.search(text):
            words.append("".join(lazy_pinyin(text)).lower())
            words.append("".join(lazy_pinyin(text, style=Style.FIRST_LETTER)).lower())
    return " ".join(words)


def _verb(event: CloudEvent) -> str:
    return event.type.rsplit(".", 1)[1]


def document_of(record_type: RecordType, data: dict[str, Any], verb: str) -> tuple[Document, int]:
    """The document an event's `data` becomes (before `store.body` adds the tenant, id,
    type and version), and that version. Benchmarks seed with it too."""
    document = record_type.build(data)
    document["pinyin"] = pinyin_of(document.get("title", ""), document.get("short_name", ""))
    if verb in record_type.deleted_verbs:
        document["deleted"] = True
    return document, int(document.pop("version", None) or data.get("version") or 1)


class Indexer:
    def __init__(self, client: Callable[[], OpenSearch]) -> None:
        self._client = client

    def apply(self, record_type: RecordType, event: CloudEvent) -> None:
        tenant_id = event.tenantid
        if tenant_id is None:
            raise ValueError(f"{event.type} without a tenantid")
        data = event.data
        if record_type is CUSTOMER:
            self.customer(tenant_id, data, _verb(event))
        elif record_type is CONTACT:
            self.contact(tenant_id, data, _verb(event))
        else:
            self.plain(record_type, tenant_id, data, _verb(event))

    def plain(
        self, record_type: RecordType, tenant_id: str, data: dict[str, Any], verb: str
    ) -> bool:
        document, version = document_of(record_type, data, verb)
        deleted = verb in record_type.deleted_verbs
        return store.write(
            self._client(),
            record_type,
            tenant_id=tenant_id,
            doc_id=str(data["id"]),
            document=document,
            version=version,
            # A delete may carry the last version; it still wins over that version.
            allow_same_version=deleted or not record_type.versioned,
        )

    def customer(self, tenant_id: str, data: dict[str, Any], verb: str) -> None:
        written = self.plain(CUSTOMER, tenant_id, data, verb)
        if verb == "merged" and data.get("merged_id"):
            self._mark_deleted(CUSTOMER, tenant_id, str(data["merged_id"]))
        if written and _may_change_contacts(data, verb):
            # The document just written is the customer as its contacts must show it: no
            # need to read it back.
            self.refresh_contacts(tenant_id, str(data["id"]), customer=CUSTOMER.build(data))

    def contact(self, tenant_id: str, data: dict[str, Any], verb: str) -> None:
        customer = store.get(
            self._client(), CUSTOMER, tenant_id=tenant_id, doc_id=str(data.get("customer_id"))
        )
        document = _merge(CONTACT.build(data), _customer_part(customer))
        document["pinyin"] = pinyin_of(document.get("title", ""))
        deleted = verb in CONTACT.deleted_verbs
        if deleted:
            document["deleted"] = True
        store.write(
            self._client(),
            CONTACT,
            tenant_id=tenant_id,
            doc_id=str(data["id"]),
            document=document,
            version=int(data["version"]),
            allow_same_version=deleted,
        )

    def refresh_contacts(
        self, tenant_id: str, customer_id: str, *, customer: Document | None = None
    ) -> None:
        """Contacts are seen as their customer is: a new owner, collaborators or name
        reach the customer's contacts' documents (same version: they did not change)."""
        client = self._client()
        if customer is None:
            customer = store.get(client, CUSTOMER, tenant_id=tenant_id, doc_id=customer_id)
        part = _customer_part(customer)
        for contact in store.find(
            client, CONTACT, tenant_id=tenant_id, term={"attrs.customer_id": customer_id}
        ):
            if all(_get(contact, k) == v for k, v in _flat(part).items()):
                continue
            merged = _merge(contact, part)
            store.write(
                client,
                CONTACT,
                tenant_id=tenant_id,
                doc_id=str(contact["id"]),
                document=merged,
                version=int(contact["version"]),
                allow_same_version=True,
            )

    def _mark_deleted(self, record_type: RecordType, tenant_id: str, doc_id: str) -> None:
        client = self._client()
        document = store.get(client, record_type, tenant_id=tenant_id, doc_id=doc_id)
        if document is None or document.get("deleted"):
            return
        store.write(
            client,
            record_type,
            tenant_id=tenant_id,
            doc_id=doc_id,
            document={**document, "deleted": True},
            version=int(document["version"]),
            allow_same_version=True,
        )


# What of a customer its contacts' documents copy (see `_customer_part`).
_SHOWN_ON_CONTACTS = {"name", "owner_id", "collaborator_ids"}


def _may_change_contacts(data: dict[str, Any], verb: str) -> bool:
    """An update that changed none of what contacts copy leaves them as they are; any other
    event (a create may find contacts indexed before it, a merge or pool move) refreshes."""
    if verb != "updated" or "changed" not in data:
        return True
    return bool(_SHOWN_ON_CONTACTS & set(data["changed"] or []))


def _customer_part(customer: Document | None) -> Document:
    if customer is None:
        return {"owner_id": None, "collaborator_ids": [], "attrs": {"customer_name": None}}
    return {
        "owner_id": customer.get("owner_id"),
        "collaborator_ids": list(customer.get("collaborator_ids") or []),
        "attrs": {"customer_name": customer.get("title")},
    }


def _flat(part: Document) -> dict[str, Any]:
    return {
        "owner_id": part["owner_id"],
        "collaborator_ids": part["collaborator_ids"],
        "attrs.customer_name": part["attrs"]["customer_name"],
    }


def _get(document: Document, dotted: str) -> Any:
    value: Any = document
    for key in dotted.split("."):
        value = (value or {}).get(key)
    return value


def _merge(document: Document, part: Document) -> Document:
    merged = {**document, **{k: v for k, v in part.items() if k != "attrs"}}
    merged["attrs"] = {**(document.get("attrs") or {}), **part["attrs"]}
    return merged


def handlers(client: Callable[[], OpenSearch] = store.opensearch_client) -> list[Handler]:
    """One handler per event pattern of every registered record type."""
    indexer = Indexer(client)
    result: list[Handler] = []
    for record_type in RECORD_TYPES.values():
        for pattern in record_type.events:

            def handle(_session: Session, event: CloudEvent, t: RecordType = record_type) -> None:
                indexer.apply(t, event)

            result.append(Handler(pattern, handle, tenant_schema=False))
    return result
