import uuid
from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, Field


class MapCluster(BaseModel):
    count: int
    latitude: float = Field(description="The centroid of the cell's customers")
    longitude: float
    customer_id: uuid.UUID | None = Field(None, description="Set when the cell holds one")
    name: str | None = None


class MapOut(BaseModel):
    zoom: int
    cell_degrees: float
    clusters: list[MapCluster]
    truncated: bool = Field(description="More cells than returned: zoom in")


class RegionCount(BaseModel):
    province: str | None
    city: str | None = None
    count: int


class RegionCounts(BaseModel):
    level: Literal["province", "city"]
    items: list[RegionCount]


class PotentialPart(BaseModel):
    part: str
    points: int
    max: int
    input: Any
    explanation: str


class PotentialOut(BaseModel):
    customer_id: uuid.UUID
    score: int
    parts: list[PotentialPart]


class CareSettings(BaseModel):
    days_ahead: int = Field(3, ge=0, le=60, description="Remind owners this many days ahead")


class _CareDateFields(BaseModel):
    name: str | None = Field(None, min_length=1, max_length=100)
    month: int | None = Field(None, ge=1, le=12)
    day: int | None = Field(None, ge=1, le=31)
    year: int | None = Field(None, ge=1900, le=2999, description="With recurring=false: once")
    recurring: bool | None = None
    customer_field: str | None = Field(
        None,
        max_length=80,
        description="`created_at` or `custom.<key>` of a date custom field: its yearly "
        "anniversary, per customer (instead of month/day)",
    )


class CareDateIn(_CareDateFields):
    name: str = Field(min_length=1, max_length=100)
    recurring: bool = True


class CareDatePatch(_CareDateFields):
    pass


class CareDateOut(BaseModel):
    id: uuid.UUID
    name: str
    month: int | None
    day: int | None
    year: int | None
    recurring: bool
    customer_field: str | None
    version: int


class CareDateList(BaseModel):
    items: list[CareDateOut]


class Greeting(BaseModel):
    on: date
    occasion: Literal["birthday", "care_date"]
    occasion_name: str
    care_date_id: uuid.UUID | None = None
    customer_id: uuid.UUID
    customer_name: str
    contact_id: uuid.UUID | None = None
    contact_name: str | None = None
    owner_id: uuid.UUID | None


class Greetings(BaseModel):
    week: str
    start: date
    end: date
    items: list[Greeting]
    truncated: bool
