"""`GET /api/v1/reports/...`: chart-ready aggregations within the caller's scope."""

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query

from crm_search.indexing.store import opensearch_client
from crm_search.reports import service
from crm_search.search.api import RESPONSES, CurrentReader

router = APIRouter(prefix="/api/v1/reports", tags=["reports"])

Dimension = Literal["level", "status", "source", "industry", "province", "owner"]
Weeks = Annotated[int, Query(ge=1, le=104)]


@router.get("/customers", responses=RESPONSES)
def customers_by(reader: CurrentReader, by: Dimension) -> dict[str, Any]:
    """Customers counted by one dimension: `{by, total, buckets: [{key, count}]}`."""
    return service.customers_by(opensearch_client(), reader, by=by)


@router.get("/customers/new-per-week", responses=RESPONSES)
def new_customers(reader: CurrentReader, weeks: Weeks = 12) -> dict[str, Any]:
    """New customers per week: `{weeks, series: [{week, count}]}`."""
    return service.new_customers_per_week(opensearch_client(), reader, weeks=weeks)


@router.get("/follow-ups", responses=RESPONSES)
def follow_ups(reader: CurrentReader, weeks: Weeks = 12) -> dict[str, Any]:
    """Follow-ups per rep per week: `{weeks, reps: [{user_id, total, series}]}`."""
    return service.follow_ups_per_rep(opensearch_client(), reader, weeks=weeks)
