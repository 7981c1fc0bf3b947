"""OpenSearch: the client, the one mapping every record type's index uses, index and alias
set-up, and versioned writes.

Indices are shared by tenants (`tenant_id` on every document, routing by tenant) and sit
behind aliases: the alias `<prefix>-customers` points at `<prefix>-customers-v<n>`. A new
mapping version creates the next index, copies the documents into it, moves the alias and
copies again (external versions make the copies idempotent and keep the newest), so readers
and writers never see the switch. Writes use the record's own version with
`version_type=external`, so an older or repeated event never overwrites a newer document.
"""

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import opensearchpy
from opensearchpy import OpenSearch

from crm_search.indexing.registry import RECORD_TYPES, Document, RecordType
from crm_search.settings import get_search_settings
from crmkit.errors import Unavailable
from crmkit.settings import get_settings

log = logging.getLogger(__name__)

# Connection failures and time-outs: OpenSearch is down or unreachable, not a bad request.
UNAVAILABLE_ERRORS: tuple[type[Exception], ...] = (
    opensearchpy.exceptions.ConnectionError,
    opensearchpy.exceptions.ConnectionTimeout,
)


class SearchUnavailable(Unavailable):
    code = "search_unavailable"
    title = "Search is unavailable"


ANALYSIS: dict[str, Any] = {
    "char_filter": {
        "digits_only": {"type": "pattern_replace", "pattern": "[^0-9]", "replacement": ""}
    },
    "tokenizer": {
        # Any run of three or more digits of a phone number: `5678` finds 13812345678.
        "digit_ngrams": {"type": "ngram", "min_gram": 3, "max_gram": 20, "token_chars": ["digit"]}
    },
    "filter": {"prefixes": {"type": "edge_ngram", "min_gram": 1, "max_gram": 20}},
    "analyzer": {
        "phone_ngram": {
            "type": "custom",
            "char_filter": ["digits_only"],
            "tokenizer": "digit_ngrams",
        },
        "phone_query": {"type": "custom", "char_filter": ["digits_only"], "tokenizer": "keyword"},
        # Typeahead: prefixes of each word (Latin) and of the whole value (Chinese names,
        # e-mail addresses), searched with the query as typed.
        "word_prefix": {
            "type": "custom",
            "tokenizer": "standard",
            "filter": ["cjk_width", "lowercase", "prefixes"],
        },
        "word_query": {
            "type": "custom",
            "tokenizer": "standard",
            "filter": ["cjk_width", "lowercase"],
        },
        "whole_prefix": {
            "type": "custom",
            "tokenizer": "keyword",
            "filter": ["cjk_width", "lowercase", "prefixes"],
        },
        "whole_query": {
            "type": "custom",
            "tokenizer": "keyword",
            "filter": ["cjk_width", "lowercase"],
        },
    },
    "normalizer": {"lower": {"type": "custom", "filter": ["lowercase"]}},
}

_PREFIXES = {
    "prefix": {"type": "text", "analyzer": "word_prefix", "search_analyzer": "word_query"},
    "whole": {"type": "text", "analyzer": "whole_prefix", "search_analyzer": "whole_query"},
}

MAPPING: dict[str, Any] = {
    "dynamic": False,
    "dynamic_templates": [
        {
            "custom_text": {
                "path_match": "custom.*",
                "match_mapping_type": "string",
                "mapping": {"type": "text", "analyzer": "cjk", "fields": dict(_PREFIXES)},
            }
        },
        {
            "attrs_keyword": {
                "path_match": "attrs.*",
                "match_mapping_type": "string",
                "mapping": {"type": "keyword", "ignore_above": 256},
            }
        },
    ],
    "properties": {
        "tenant_id": {"type": "keyword"},
        "id": {"type": "keyword"},
        "type": {"type": "keyword"},
        # CJK bigrams: `华强` finds 北京华强科技有限公司; Latin words as the standard tokenizer.
        "title": {
            "type": "text",
            "analyzer": "cjk",
            "fields": {**_PREFIXES, "raw": {"type": "keyword", "ignore_above": 256}},
        },
        "short_name": {"type": "text", "analyzer": "cjk", "fields": dict(_PREFIXES)},
        "pinyin": {"type": "text", "analyzer": "standard", "fields": dict(_PREFIXES)},
        "phones": {
            "type": "keyword",
            "fields": {
                "ngram": {
                    "type": "text",
                    "analyzer": "phone_ngram",
                    "search_analyzer": "phone_query",
                }
            },
        },
        "wechat": {"type": "keyword"},
        "emails": {
            "type": "text",
            "analyzer": "standard",
            "fields": {
                "whole": _PREFIXES["whole"],
                "raw": {"type": "keyword", "normalizer": "lower"},
            },
        },
        "tags": {"type": "text", "analyzer": "cjk", "fields": {"raw": {"type": "keyword"}}},
        "custom": {"type": "object", "dynamic": True},
        "attrs": {"type": "object", "dynamic": True},
        "owner_id": {"type": "keyword"},
        "collaborator_ids": {"type": "keyword"},
        "deleted": {"type": "boolean"},
        "version": {"type": "long"},
        "created_at": {"type": "date"},
        "at": {"type": "date"},
    },
}

INDEX_SETTINGS: dict[str, Any] = {
    "index": {"number_of_shards": 1, "number_of_replicas": 0, "max_ngram_diff": 20},
    "analysis": ANALYSIS,
}

_clients: dict[str, OpenSearch] = {}
_clients_lock = threading.Lock()


def opensearch_client(url: str | None = None) -> OpenSearch:
    """One client per URL and process (it pools its connections)."""
    target = url or get_settings().opensearch_url
    with _clients_lock:
        if target not in _clients:
            _clients[target] = OpenSearch(
                hosts=[target],
                timeout=get_search_settings().opensearch_timeout_seconds,
                # One connection per API worker thread (urllib3 keeps 1 by default, so
                # concurrent searches opened and dropped a connection each).
                pool_maxsize=get_search_settings().opensearch_connections,
                max_retries=0,
                retry_on_timeout=False,
            )
        return _clients[target]


@contextmanager
def unavailable_as_503() -> Iterator[None]:
    """OpenSearch down: the API answers `503 search_unavailable` (problem+json)."""
    try:
        yield
    except UNAVAILABLE_ERRORS as exc:
        raise SearchUnavailable(f"OpenSearch is unavailable: {type(exc).__name__}") from exc


def alias_name(record_type: RecordType, prefix: str | None = None) -> str:
    return f"{prefix or get_search_settings().index_prefix}-{record_type.index}"


def index_name(record_type: RecordType, prefix: str | None = None) -> str:
    return f"{alias_name(record_type, prefix)}-v{record_type.mapping_version}"


def ensure_indices(client: OpenSearch, prefix: str | None = None) -> None:
    """Create each type's current index and alias; idempotent. An alias still on an older
    version is moved to the new index without downtime (`migrate_alias`)."""
    for record_type in RECORD_TYPES.values():
        alias, index = alias_name(record_type, prefix), index_name(record_type, prefix)
        if not client.indices.exists(index=index):
            try:
                client.indices.create(
                    index=index, body={"settings": INDEX_SETTINGS, "mappings": MAPPING}
                )
            except opensearchpy.exceptions.RequestError as exc:
                if exc.error != "resource_already_exists_exception":
                    raise
        current = _alias_targets(client, alias)
        if index not in current:
            migrate_alias(client, alias=alias, old=sorted(current), new=index)


def _alias_targets(client: OpenSearch, alias: str) -> set[str]:
    if not client.indices.exists_alias(name=alias):
        return set()
    return set(client.indices.get_alias(name=alias))


def migrate_alias(client: OpenSearch, *, alias: str, old: list[str], new: str) -> None:
    """Copy `old` into `new`, point `alias` at `new` in one step, then copy again so writes
    that reached `old` during the first copy are not lost (external versions: the newest
    document wins, a repeated copy changes nothing)."""
    for source in old:
        _copy(client, source, new)
    actions: list[dict[str, Any]] = [{"remove": {"index": i, "alias": alias}} for i in old]
    actions.append({"add": {"index": new, "alias": alias, "is_write_index": True}})
    client.indices.update_aliases(body={"actions": actions})
    for source in old:
        _copy(client, source, new)


def _copy(client: OpenSearch, source: str, dest: str) -> None:
    # `_reindex` reads by search: make every write to the source visible first.
    client.indices.refresh(index=source)
    client.reindex(
        body={
            "conflicts": "proceed",
            "source": {"index": source},
            "dest": {"index": dest, "version_type": "external"},
        },
        refresh=True,
        wait_for_completion=True,
        request_timeout=3600,
    )


def body(
    record_type: RecordType, *, tenant_id: str, doc_id: str, document: Document, version: int
) -> Document:
    """What is stored: the document with its tenant, id, type and version."""
    return {
        **document,
        "tenant_id": tenant_id,
        "id": doc_id,
        "type": record_type.name,
        "version": version,
    }


def write(
    client: OpenSearch,
    record_type: RecordType,
    *,
    tenant_id: str,
    doc_id: str,
    document: Document,
    version: int,
    allow_same_version: bool = False,
) -> bool:
    """Index `document` unless a document with a newer version (or, unless
    `allow_same_version`, the same version) is there already. True when written."""
    try:
        client.index(
            index=alias_name(record_type),
            id=doc_id,
            body=body(
                record_type, tenant_id=tenant_id, doc_id=doc_id, document=document, version=version
            ),
            routing=tenant_id,
            version=version,
            version_type="external_gte" if allow_same_version else "external",
            # Never let a missing alias auto-create an index with a guessed mapping.
            require_alias=True,
        )
    except opensearchpy.exceptions.ConflictError:
        return False
    return True


def get(
    client: OpenSearch, record_type: RecordType, *, tenant_id: str, doc_id: str
) -> Document | None:
    try:
        found = client.get(index=alias_name(record_type), id=doc_id, routing=tenant_id)
    except opensearchpy.exceptions.NotFoundError:
        return None
    source: Document = found["_source"]
    if source.get("tenant_id") != tenant_id:
        return None
    return source


def find(
    client: OpenSearch, record_type: RecordType, *, tenant_id: str, term: dict[str, Any]
) -> list[Document]:
    """Documents of one tenant matching `term` (indexing's own look-ups, not callers')."""
    hits = client.search(
        index=alias_name(record_type),
        routing=tenant_id,
        body={
            "size": 1000,
            "query": {"bool": {"filter": [{"term": {"tenant_id": tenant_id}}, {"term": term}]}},
        },
    )["hits"]["hits"]
    return [h["_source"] for h in hits]
