"""Reports: aggregations over the read model, through `scoped_search` like every query, so
each counts only the caller's tenant and data scope. Shapes are ready for a chart:
`buckets` of `{key, count}`, weekly `series` of `{week, count}` (weeks start on Monday)."""

from typing import Any

from opensearchpy import OpenSearch

from crm_search.indexing.registry import CUSTOMER, FOLLOWUP, RecordType
from crm_search.search.access import Reader
from crm_search.search.service import scoped_search
from crmkit.errors import PermissionDenied

CUSTOMER_DIMENSIONS = {
    "level": "attrs.level",
    "status": "attrs.status",
    "source": "attrs.source",
    "industry": "attrs.industry",
    "province": "attrs.province",
    "owner": "owner_id",
}
MAX_BUCKETS = 200


def _require(reader: Reader, record_type: RecordType) -> None:
    if not reader.can(record_type.permission):
        raise PermissionDenied(f"missing permission {record_type.permission}")


def customers_by(client: OpenSearch, reader: Reader, *, by: str) -> dict[str, Any]:
    _require(reader, CUSTOMER)
    response = scoped_search(
        client,
        reader,
        [CUSTOMER],
        {
            "size": 0,
            "track_total_hits": True,
            "aggs": {
                "by": {
                    "terms": {
                        "field": CUSTOMER_DIMENSIONS[by],
                        "size": MAX_BUCKETS,
                        "missing": "",
                    }
                }
            },
        },
    )
    buckets = [
        {"key": b["key"] or None, "count": b["doc_count"]}
        for b in response["aggregations"]["by"]["buckets"]
    ]
    return {"by": by, "total": response["hits"]["total"]["value"], "buckets": buckets}


def _weekly(field: str, weeks: int) -> dict[str, Any]:
    return {
        "date_histogram": {
            "field": field,
            "calendar_interval": "week",
            "min_doc_count": 0,
            "extended_bounds": {"min": f"now-{weeks - 1}w/w", "max": "now/w"},
            "format": "yyyy-MM-dd",
        }
    }


def _since(field: str, weeks: int) -> dict[str, Any]:
    return {"range": {field: {"gte": f"now-{weeks - 1}w/w"}}}


def _series(histogram: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"week": b["key_as_string"], "count": b["doc_count"]} for b in histogram["buckets"]]


def new_customers_per_week(client: OpenSearch, reader: Reader, *, weeks: int) -> dict[str, Any]:
    _require(reader, CUSTOMER)
    response = scoped_search(
        client,
        reader,
        [CUSTOMER],
        {
            "size": 0,
            "query": _since("created_at", weeks),
            "aggs": {"weeks": _weekly("created_at", weeks)},
        },
    )
    return {"weeks": weeks, "series": _series(response["aggregations"]["weeks"])}


def follow_ups_per_rep(client: OpenSearch, reader: Reader, *, weeks: int) -> dict[str, Any]:
    _require(reader, FOLLOWUP)
    response = scoped_search(
        client,
        reader,
        [FOLLOWUP],
        {
            "size": 0,
            "query": _since("at", weeks),
            "aggs": {
                "reps": {
                    "terms": {"field": "attrs.created_by", "size": MAX_BUCKETS},
                    "aggs": {"weeks": _weekly("at", weeks)},
                }
            },
        },
    )
    reps = [
        {"user_id": b["key"], "total": b["doc_count"], "series": _series(b["weeks"])}
        for b in response["aggregations"]["reps"]["buckets"]
    ]
    return {"weeks": weeks, "reps": reps}
