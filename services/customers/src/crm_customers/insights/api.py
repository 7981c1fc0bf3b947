"""Where customers are (map), dates to greet them (care), and their potential score.

Registered before the customers router: `/customers/map` must not be read as
`/customers/{customer_id}`."""

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response

from crm_customers.common.http import CurrentCaller, IfMatch, etag
from crm_customers.db import utcnow
from crm_customers.insights import care, service
from crm_customers.insights.schemas import (
    CareDateIn,
    CareDateList,
    CareDateOut,
    CareDatePatch,
    CareSettings,
    Greetings,
    MapOut,
    PotentialOut,
    RegionCounts,
)
from crmkit.http import TenantSession

router = APIRouter(prefix="/api/v1", tags=["map, care and potential"])
ERRORS: dict[int | str, dict[str, str]] = {
    404: {"description": "No such record (or outside your data scope)"},
    422: {"description": "Invalid input; `errors` names the field"},
}


@router.get("/customers/map", response_model=MapOut, responses=ERRORS)
def customer_map(
    session: TenantSession,
    caller: CurrentCaller,
    zoom: Annotated[int, Query(ge=0, le=22, description="Web-map zoom level")] = 4,
    bbox: Annotated[
        str | None, Query(description="minLng,minLat,maxLng,maxLat (default: the world)")
    ] = None,
) -> MapOut:
    """Customers with coordinates, clustered on a grid whose cells shrink as zoom grows."""
    return service.map_clusters(session, caller=caller, bbox=bbox, zoom=zoom)


@router.get("/customers/map/regions", response_model=RegionCounts, responses=ERRORS)
def customer_regions(
    session: TenantSession,
    caller: CurrentCaller,
    level: Literal["province", "city"] = "province",
) -> RegionCounts:
    """Customers per province (or province and city), for a heat view."""
    return service.region_counts(session, caller=caller, level=level)


@router.get("/customers/{customer_id}/potential", response_model=PotentialOut, responses=ERRORS)
def customer_potential(
    customer_id: uuid.UUID, session: TenantSession, caller: CurrentCaller
) -> PotentialOut:
    return service.customer_potential(session, caller=caller, customer_id=customer_id)


@router.get("/care/greetings", response_model=Greetings, responses=ERRORS)
def greetings(
    session: TenantSession,
    caller: CurrentCaller,
    week: Annotated[
        str | None, Query(description="ISO week, e.g. 2026-W48; default this week")
    ] = None,
) -> Greetings:
    """Birthdays of persons and contacts and care dates in the week, in the caller's scope."""
    return care.greetings(session, caller=caller, week=week, today=utcnow().date())


@router.get("/care/settings", response_model=CareSettings)
def get_care_settings(session: TenantSession, caller: CurrentCaller) -> CareSettings:
    caller.require("view")
    return care.care_settings(session)


@router.put("/care/settings", response_model=CareSettings, responses=ERRORS)
def put_care_settings(
    data: CareSettings, session: TenantSession, caller: CurrentCaller
) -> CareSettings:
    return care.set_care_settings(session, caller=caller, data=data)


@router.get("/care/dates", response_model=CareDateList)
def list_care_dates(session: TenantSession, caller: CurrentCaller) -> CareDateList:
    return CareDateList(
        items=[care.present_date(d) for d in care.list_dates(session, caller=caller)]
    )


@router.post("/care/dates", status_code=201, response_model=CareDateOut, responses=ERRORS)
def add_care_date(
    data: CareDateIn, session: TenantSession, caller: CurrentCaller, response: Response
) -> CareDateOut:
    item = care.add_date(session, caller=caller, data=data)
    response.headers.update(etag(item.version))
    return care.present_date(item)


@router.get("/care/dates/{care_date_id}", response_model=CareDateOut, responses=ERRORS)
def get_care_date(
    care_date_id: uuid.UUID, session: TenantSession, caller: CurrentCaller, response: Response
) -> CareDateOut:
    item = care.get_date(session, caller=caller, care_date_id=care_date_id)
    response.headers.update(etag(item.version))
    return care.present_date(item)


@router.patch("/care/dates/{care_date_id}", response_model=CareDateOut, responses=ERRORS)
def update_care_date(
    care_date_id: uuid.UUID,
    data: CareDatePatch,
    session: TenantSession,
    caller: CurrentCaller,
    version: IfMatch,
    response: Response,
) -> CareDateOut:
    item = care.update_date(
        session, caller=caller, care_date_id=care_date_id, data=data, expected_version=version
    )
    response.headers.update(etag(item.version))
    return care.present_date(item)


@router.delete("/care/dates/{care_date_id}", status_code=204, responses=ERRORS)
def delete_care_date(
    care_date_id: uuid.UUID, session: TenantSession, caller: CurrentCaller
) -> None:
    care.delete_date(session, caller=caller, care_date_id=care_date_id)
