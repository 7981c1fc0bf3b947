"""The customer map: clustered points and a province heat view over China's province
boundaries shipped in /static/vendor/china.json, so it works with no internet.

Clusters come from customers' `GET /api/v1/customers/map` (the browser asks
`/map/clusters` here again on every pan and zoom); province counts from
`GET /api/v1/customers/map/regions`, else from search's report by province."""

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse, Response

from crm_web.gateway import ApiError
from crm_web.pages.common import CurrentPage, Page
from crm_web.pages.dashboard import short_province

router = APIRouter()


async def province_counts(page: Page) -> tuple[list[dict[str, Any]], str]:
    """`[{name, value}]` with the map's short province names, and where they came from."""
    counts: dict[str, int] = {}
    source = "regions"
    try:
        found = await page.api("GET", "/api/v1/customers/map/regions", params={"level": "province"})
        pairs = [(item.get("province"), int(item["count"])) for item in found["items"]]
    except ApiError as exc:
        if exc.status not in (404, 405, 501, 502, 503, 504):
            raise
        source = "reports"
        report = await page.api("GET", "/api/v1/reports/customers", params={"by": "province"})
        pairs = [(b["key"], int(b["count"])) for b in report["buckets"]]
    for name, count in pairs:
        short = short_province(name)
        if short:
            counts[short] = counts.get(short, 0) + count
    return [{"name": k, "value": v} for k, v in sorted(counts.items())], source


@router.get("/map")
async def map_page(page: CurrentPage, view: str = "heat") -> Response:
    page.signed_in  # noqa: B018 - sends a visitor without a session to sign-in
    regions, source = await province_counts(page)
    return page.render(
        "dashboard/map.html", regions=regions, source=source,
        view="points" if view == "points" else "heat",
        total=sum(r["value"] for r in regions),
    )  # fmt: skip


@router.get("/map/clusters")
async def clusters(page: CurrentPage, zoom: int = 4, bbox: str = "") -> Response:
    """The browser's own JSON: the API's clusters, names escaped by the chart's text drawing."""
    params: dict[str, Any] = {"zoom": max(0, min(22, zoom))}
    if bbox:
        params["bbox"] = bbox
    try:
        found = await page.api("GET", "/api/v1/customers/map", params=params)
    except ApiError as exc:
        return JSONResponse({"error": exc.detail}, status_code=exc.status)
    return JSONResponse(found)
