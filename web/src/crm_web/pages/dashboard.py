"""The dashboard's second half, loaded by the home page once it is shown (`hx-trigger=load`),
so the follow-ups due today never wait for reports: customers about to be reclaimed and
charts from the search service's reports (by level, source, province, new per week)."""

import asyncio
from typing import Any

import httpx
from fastapi import APIRouter
from fastapi.responses import Response

from crm_web.gateway import ApiError
from crm_web.pages.common import CurrentPage, Page

router = APIRouter()

# Customers whose reclaim to a public pool is near, for the signed-in owner. The pools API
# has no such list yet; until it answers, the section stays hidden (any 4xx/5xx hides it).
RECLAIM_SOON = "/api/v1/pools/reclaim-soon"
DIMENSIONS = ("level", "source", "province")
# Administrative suffixes people type after a province's name; the map knows the short name.
PROVINCE_SUFFIXES = (
    "维吾尔自治区", "壮族自治区", "回族自治区", "特别行政区", "自治区", "省", "市",
)  # fmt: skip


def short_province(name: str | None) -> str | None:
    if not name:
        return None
    name = name.strip()
    for suffix in PROVINCE_SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name[: -len(suffix)]
    return name


async def _optional(page: Page, path: str, **params: Any) -> Any:
    """An answer, or None when the API refuses or is down (the section is left out)."""
    try:
        return await page.api("GET", path, params=params or None)
    except (ApiError, httpx.HTTPError):
        return None


async def _labels(page: Page, kind: str) -> dict[str, str]:
    found = await _optional(page, f"/api/v1/categories/{kind}")
    return {item["key"]: item["label"] for item in (found or {}).get("items", [])}


def chart_of(
    page: Page, report: dict[str, Any] | None, labels: dict[str, str], *, limit: int = 12
) -> dict[str, Any] | None:
    if not report or not report.get("buckets"):
        return None
    buckets = sorted(report["buckets"], key=lambda b: -int(b["count"]))[:limit]
    return {
        "labels": [
            labels.get(b["key"], b["key"]) if b["key"] is not None else page.t("dashboard.none")
            for b in buckets
        ],
        "values": [int(b["count"]) for b in buckets],
        "total": int(report.get("total") or 0),
    }


def week_label(page: Page, week: str) -> str:
    """A week by its Monday, short enough for an axis: `9月7日`, `Sep 7`."""
    full = page.fmt.date(week)
    if page.locale == "zh-CN":
        return full.split("年", 1)[-1]
    return full.rsplit(",", 1)[0]


def merged_provinces(report: dict[str, Any] | None) -> dict[str, Any] | None:
    """`广东省` and `广东` typed by different people are one province on the chart."""
    if not report:
        return report
    counts: dict[str | None, int] = {}
    for bucket in report.get("buckets") or []:
        key = short_province(bucket["key"])
        counts[key] = counts.get(key, 0) + int(bucket["count"])
    buckets = [{"key": key, "count": count} for key, count in counts.items()]
    return {**report, "buckets": buckets}


@router.get("/dashboard/insights")
async def insights(page: CurrentPage) -> Response:
    page.signed_in  # noqa: B018 - sends a visitor without a session to sign-in
    reports = [_optional(page, "/api/v1/reports/customers", by=by) for by in DIMENSIONS]
    (
        by_level, by_source, by_province, weekly, reclaim, level_labels, source_labels,
    ) = await asyncio.gather(
        *reports,
        _optional(page, "/api/v1/reports/customers/new-per-week", weeks=12),
        _optional(page, RECLAIM_SOON),
        _labels(page, "level"),
        _labels(page, "source"),
    )  # fmt: skip
    charts = {
        "level": chart_of(page, by_level, level_labels),
        "source": chart_of(page, by_source, source_labels),
        "province": chart_of(page, merged_provinces(by_province), {}),
    }
    week_chart = None
    if weekly and any(int(point["count"]) for point in weekly.get("series") or []):
        week_chart = {
            "labels": [week_label(page, point["week"]) for point in weekly["series"]],
            "values": [int(point["count"]) for point in weekly["series"]],
        }
    return page.render(
        "dashboard/_insights.html", charts=charts, week_chart=week_chart,
        reclaim=(reclaim or {}).get("items") if isinstance(reclaim, dict) else None,
        reports_down=all(c is None for c in (by_level, by_source, by_province, weekly)),
    )  # fmt: skip
