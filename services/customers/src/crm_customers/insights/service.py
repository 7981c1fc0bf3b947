"""Map clusters and region counts within the caller's data scope, and a customer's potential."""

import uuid
from collections import Counter

from sqlalchemy.orm import Session

from crm_customers.common.access import Caller
from crm_customers.customers import service as customers
from crm_customers.insights import potential, repository
from crm_customers.insights.geocoding import normalise_region
from crm_customers.insights.schemas import (
    MapCluster,
    MapOut,
    PotentialOut,
    PotentialPart,
    RegionCount,
    RegionCounts,
)
from crmkit.access import FieldAccess
from crmkit.errors import InvalidInput, PermissionDenied

MAX_CLUSTERS = 2000
MAX_REGIONS = 1000
MAX_RAW_REGIONS = 20_000
WORLD = (-180.0, -90.0, 180.0, 90.0)
TILE_FRACTION = 4  # a cell is a quarter of a 256 px web-map tile (64 px) at every zoom


def cell_degrees(zoom: int) -> float:
    return 360.0 / float(1 << zoom) / TILE_FRACTION


def parse_bbox(raw: str | None) -> tuple[float, float, float, float]:
    if raw is None:
        return WORLD
    try:
        min_lng, min_lat, max_lng, max_lat = (float(p) for p in raw.split(","))
    except ValueError as exc:
        raise InvalidInput.on_field("bbox", "must be minLng,minLat,maxLng,maxLat") from exc
    if not (-180 <= min_lng <= max_lng <= 180 and -90 <= min_lat <= max_lat <= 90):
        raise InvalidInput.on_field(
            "bbox", "longitudes within -180..180, latitudes within -90..90, minimum first"
        )
    return min_lng, min_lat, max_lng, max_lat


def map_clusters(session: Session, *, caller: Caller, bbox: str | None, zoom: int) -> MapOut:
    caller.require("view")
    if caller.grants.field_access("customers", "address") is not FieldAccess.OPEN:
        raise PermissionDenied("your roles do not show customers' coordinates")
    box = parse_bbox(bbox)
    cell = cell_degrees(zoom)
    rows = repository.clusters(
        session, visible=caller.visible_condition(), bbox=box, cell=cell, limit=MAX_CLUSTERS + 1
    )
    return MapOut(
        zoom=zoom,
        cell_degrees=cell,
        clusters=[
            MapCluster(
                count=row.count,
                latitude=round(float(row.latitude), 6),
                longitude=round(float(row.longitude), 6),
                customer_id=uuid.UUID(row.customer_id) if row.customer_id else None,
                name=row.name,
            )
            for row in rows[:MAX_CLUSTERS]
        ],
        truncated=len(rows) > MAX_CLUSTERS,
    )


def region_counts(session: Session, *, caller: Caller, level: str) -> RegionCounts:
    """Counts per province (or province and city); spellings with and without suffixes
    (广东省, 广东) count as one region, named without the suffix."""
    caller.require("view")
    by_city = level == "city"
    rows = repository.region_counts(
        session, visible=caller.visible_condition(), by_city=by_city, limit=MAX_RAW_REGIONS
    )
    merged: Counter[tuple[str | None, str | None]] = Counter()
    for row in rows:
        province = normalise_region(row.province) if row.province else None
        city = normalise_region(row.city) if by_city and row.city else None
        merged[(province, city)] += row.count
    ordered = sorted(merged.items(), key=lambda i: (-i[1], i[0][0] or "\uffff", i[0][1] or ""))
    return RegionCounts(
        level="city" if by_city else "province",
        items=[
            RegionCount(province=province, city=city, count=count)
            for (province, city), count in ordered[:MAX_REGIONS]
        ],
    )


def customer_potential(session: Session, *, caller: Caller, customer_id: uuid.UUID) -> PotentialOut:
    customer = customers.visible(session, caller=caller, customer_id=customer_id)
    if customer.potential_score is None:  # created before scores existed, not yet backfilled
        potential.recompute(session, customer)
    return PotentialOut(
        customer_id=customer.id,
        score=customer.potential_score or 0,
        parts=[PotentialPart.model_validate(p) for p in customer.potential_parts or []],
    )
