"""Searching the read model. Every query, whatever asks it (search box, typeahead,
reports), goes through `scoped_search`: it adds the tenant filter (and routing), drops
deleted records, and limits each record type to the reader's data scope. What comes back is
shown through `present`, which masks or hides restricted fields and their highlights."""

import re
import threading
import time
from typing import Any

from opensearchpy import OpenSearch

from crm_search.indexing import store
from crm_search.indexing.registry import RECORD_TYPES, SEARCHABLE, RecordType
from crm_search.search.access import Reader, masked_values, visible_highlights
from crm_search.settings import get_search_settings
from crmkit.access import FieldAccess
from crmkit.errors import InvalidInput

HIGHLIGHT_TAGS = {"pre_tags": ["<em>"], "post_tags": ["</em>"]}
_DIGITS = re.compile(r"\d")


def scoped_search(
    client: OpenSearch,
    reader: Reader,
    record_types: list[RecordType],
    body: dict[str, Any],
) -> dict[str, Any]:
    """Run `body` (its `query` and anything else: size, highlight, aggs) over the record
    types' aliases, within the reader's tenant and data scope. The only way to query."""
    per_type: list[dict[str, Any]] = []
    for record_type in record_types:
        clauses: list[dict[str, Any]] = [{"term": {"type": record_type.name}}]
        scope = reader.scope_clause(record_type.module)
        if scope is not None:
            clauses.append(scope)
        per_type.append({"bool": {"filter": clauses}})
    scoped = dict(body)
    scoped["query"] = {
        "bool": {
            "must": [body.get("query") or {"match_all": {}}],
            "filter": [
                {"term": {"tenant_id": reader.tenant_id}},
                {"term": {"deleted": False}},
                {"bool": {"should": per_type, "minimum_should_match": 1}},
            ],
        }
    }
    indices = ",".join(store.alias_name(t) for t in record_types)
    with store.unavailable_as_503():
        response: dict[str, Any] = client.search(
            index=indices, body=scoped, routing=reader.tenant_id, ignore_unavailable=True
        )
    return response


def allowed_types(reader: Reader, names: list[str] | None) -> list[RecordType]:
    if names:
        unknown = [n for n in names if n not in SEARCHABLE]
        if unknown:
            raise InvalidInput.on_field("types", f"unknown record types: {', '.join(unknown)}")
    wanted = names or list(SEARCHABLE)
    return [RECORD_TYPES[n] for n in wanted if reader.can(RECORD_TYPES[n].permission)]


_custom_keys: dict[str, tuple[float, set[str]]] = {}
_custom_lock = threading.Lock()


def _custom_keys_in(client: OpenSearch, alias: str) -> set[str]:
    """Custom field keys the index has seen (cached briefly)."""
    with _custom_lock:
        cached = _custom_keys.get(alias)
    if cached and time.monotonic() - cached[0] < get_search_settings().mapping_cache_seconds:
        return cached[1]
    with store.unavailable_as_503():
        mappings = client.indices.get_mapping(index=alias)
    keys: set[str] = set()
    for index in mappings.values():
        custom = index["mappings"].get("properties", {}).get("custom", {})
        keys.update(custom.get("properties", {}))
    with _custom_lock:
        _custom_keys[alias] = (time.monotonic(), keys)
    return keys


def _field_clause(
    reader: Reader, record_type: RecordType, name: str, clause: dict[str, Any]
) -> dict[str, Any] | None:
    """`clause` (a match on a restrictable field) limited to records whose field the
    reader may see unmasked: none when a rule masks or hides it, only the reader's own
    records when only ownership would unmask it (phones and e-mails)."""
    if reader.rule(record_type.module, name) not in (FieldAccess.OPEN, FieldAccess.READ_ONLY):
        return None
    if reader.field_access(record_type.module, name, owner_id=None) is FieldAccess.MASKED:
        if reader.user_id is None:
            return None
        return {"bool": {"must": [clause], "filter": [{"term": {"owner_id": reader.user_id}}]}}
    return clause


def _text_query(
    client: OpenSearch, reader: Reader, record_type: RecordType, q: str, *, prefix_only: bool
) -> dict[str, Any]:
    """What `q` matches in one record type, only on fields the reader may see."""
    should: list[dict[str, Any]] = [
        {"match": {"title.whole": {"query": q, "boost": 3}}},
        {"match": {"title.prefix": {"query": q, "operator": "and", "boost": 2}}},
        {"match": {"short_name.whole": {"query": q, "boost": 2}}},
        {"match": {"pinyin.prefix": {"query": q.lower(), "operator": "and"}}},
    ]
    if not prefix_only:
        should.append(
            {
                "multi_match": {
                    "query": q,
                    "fields": ["title^4", "short_name^3"],
                    "fuzziness": "AUTO",
                    # Misspellings rarely hit the first letter; keeps fuzzy queries cheap.
                    "prefix_length": 1,
                    "max_expansions": 20,
                    "operator": "and",
                    "lenient": True,
                }
            }
        )
        tags = _field_clause(reader, record_type, "tags", {"match": {"tags": {"query": q}}})
        if tags:
            should.append(tags)
        restricted = reader.restricted_custom_keys(record_type.module)
        if restricted:
            keys = _custom_keys_in(client, store.alias_name(record_type)) - restricted
            custom_fields = [f"custom.{k}" for k in sorted(keys)]
        else:
            custom_fields = ["custom.*"]
        if custom_fields:
            should.append(
                {
                    "multi_match": {
                        "query": q,
                        "fields": custom_fields,
                        "operator": "and",
                        "lenient": True,
                    }
                }
            )
    email_match: dict[str, Any] = {
        "bool": {
            "should": [
                {"match": {"emails.whole": {"query": q}}},
                {"match": {"emails": {"query": q, "operator": "and"}}},
            ]
        }
    }
    email = _field_clause(reader, record_type, "email", email_match)
    if email:
        should.append(email)
    digits = "".join(_DIGITS.findall(q))
    if len(digits) >= 3 and len(digits) >= len(q.replace(" ", "").replace("-", "")) - 1:
        phone = _field_clause(
            reader, record_type, "phone", {"match": {"phones.ngram": {"query": digits}}}
        )
        if phone:
            should.append(phone)
    return {
        "bool": {
            "filter": [{"term": {"type": record_type.name}}],
            "should": should,
            "minimum_should_match": 1,
        }
    }


def _query(
    client: OpenSearch, reader: Reader, record_types: list[RecordType], q: str, prefix_only: bool
) -> dict[str, Any]:
    return {
        "bool": {
            "should": [
                _text_query(client, reader, t, q, prefix_only=prefix_only) for t in record_types
            ],
            "minimum_should_match": 1,
        }
    }


def present(reader: Reader, record_type: RecordType, hit: dict[str, Any]) -> dict[str, Any]:
    source = hit["_source"]
    values, masked, hidden = masked_values(reader, record_type.module, source)
    attrs = source.get("attrs") or {}
    item: dict[str, Any] = {
        "id": source["id"],
        "type": record_type.name,
        "title": source.get("title"),
        "highlight": visible_highlights(
            reader, record_type.module, source, hit.get("highlight") or {}
        ),
        "score": hit.get("_score"),
        "owner_id": source.get("owner_id"),
        **{key: attrs.get(key) for key in record_type.result_attrs},
        **values,
        "version": source.get("version"),
        "masked_fields": masked,
        "hidden_fields": hidden,
    }
    if source.get("short_name"):
        item["short_name"] = source["short_name"]
    return item


def search(
    client: OpenSearch, reader: Reader, *, q: str, types: list[str] | None, limit: int
) -> dict[str, Any]:
    q = q.strip()
    if not q:
        raise InvalidInput.on_field("q", "must not be empty")
    record_types = allowed_types(reader, types)
    groups: dict[str, list[dict[str, Any]]] = {t.name: [] for t in record_types}
    if not record_types:
        return {"groups": groups}
    response = scoped_search(
        client,
        reader,
        record_types,
        {
            "size": limit * len(record_types),
            "query": _query(client, reader, record_types, q, prefix_only=False),
            "highlight": {
                **HIGHLIGHT_TAGS,
                "require_field_match": False,
                "fields": {
                    "title": {},
                    "title.*": {},
                    "short_name": {},
                    "short_name.*": {},
                    "phones.ngram": {},
                    "emails": {},
                    "emails.whole": {},
                    "tags": {},
                    "custom.*": {},
                },
            },
        },
    )
    for hit in response["hits"]["hits"]:
        record_type = RECORD_TYPES[hit["_source"]["type"]]
        if len(groups[record_type.name]) < limit:
            groups[record_type.name].append(present(reader, record_type, hit))
    return {"groups": groups}


def suggest(client: OpenSearch, reader: Reader, *, q: str, limit: int) -> dict[str, Any]:
    """Typeahead: records whose name (or pinyin, phone, e-mail the reader may see) starts
    with what was typed; titles only."""
    q = q.strip()
    if not q:
        return {"suggestions": []}
    record_types = allowed_types(reader, None)
    if not record_types:
        return {"suggestions": []}
    response = scoped_search(
        client,
        reader,
        record_types,
        {
            "size": limit,
            "_source": ["id", "type", "title", "attrs.customer_id"],
            "query": _query(client, reader, record_types, q, prefix_only=True),
        },
    )
    return {"suggestions": [_suggestion(h["_source"]) for h in response["hits"]["hits"]]}


def _suggestion(source: dict[str, Any]) -> dict[str, Any]:
    """Enough to show and open the record; a contact opens on its customer's page."""
    item = {"id": source["id"], "type": source["type"], "title": source["title"]}
    customer_id = (source.get("attrs") or {}).get("customer_id")
    if customer_id:
        item["customer_id"] = customer_id
    return item
