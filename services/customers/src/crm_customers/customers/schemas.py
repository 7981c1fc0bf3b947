import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, Field, field_validator

Kind = Literal["company", "person"]


class _Writable(BaseModel):
    short_name: str | None = Field(None, max_length=100)
    phone: str | None = Field(None, max_length=40, description="Adds this number first")
    phones: list[str] | None = Field(None, max_length=10)
    email: str | None = Field(None, max_length=254, description="Adds this address first")
    emails: list[str] | None = Field(None, max_length=10)
    website: str | None = Field(None, max_length=500)
    province: str | None = Field(None, max_length=100)
    city: str | None = Field(None, max_length=100)
    district: str | None = Field(None, max_length=100)
    street: str | None = Field(None, max_length=300)
    latitude: Decimal | None = Field(None, ge=-90, le=90)
    longitude: Decimal | None = Field(None, ge=-180, le=180)
    industry: str | None = None
    scale: str | None = Field(None, max_length=64)
    source: str | None = None
    level: str | None = None
    tags: list[str] | None = Field(None, max_length=50)
    department_id: uuid.UUID | None = None
    collaborator_ids: list[uuid.UUID] | None = Field(None, max_length=50)
    credit_rating: str | None = Field(None, max_length=20)
    birthday: date | None = None
    notes: str | None = Field(None, max_length=10_000)
    custom: dict[str, Any] | None = None


class CustomerCreate(_Writable):
    kind: Kind
    name: str = Field(min_length=1, max_length=300)
    status: str = "potential"
    owner_id: uuid.UUID | None = Field(None, description="Default: the caller")
    force: bool = Field(
        False, description="Create despite likely duplicates (customers:force_create)"
    )

    @field_validator("name")
    @classmethod
    def _strip(cls, value: str) -> str:
        value = value.strip()
        if not value:
            raise ValueError("must not be blank")
        return value


class CustomerPatch(_Writable):
    name: str | None = Field(None, min_length=1, max_length=300)
    status: str | None = None
    owner_id: uuid.UUID | None = None
    force: bool = Field(
        False, description="Save a new name, phone or email despite likely duplicates"
    )


class CustomerOut(BaseModel):
    id: uuid.UUID
    kind: str
    name: str
    short_name: str | None
    phone: str | None
    phones: list[str]
    email: str | None
    emails: list[str]
    website: str | None
    province: str | None
    city: str | None
    district: str | None
    street: str | None
    latitude: Decimal | None
    longitude: Decimal | None
    industry: str | None
    scale: str | None
    source: str | None
    level: str | None
    status: str
    tags: list[str]
    owner_id: uuid.UUID | None = Field(description="None while in a public pool")
    pool_id: uuid.UUID | None = Field(None, description="The public pool it is in")
    department_id: uuid.UUID | None
    collaborator_ids: list[uuid.UUID]
    credit_rating: str | None
    birthday: date | None
    notes: str | None
    custom: dict[str, Any]
    version: int
    created_by: uuid.UUID | None
    updated_by: uuid.UUID | None
    created_at: datetime
    updated_at: datetime
    last_follow_up_at: datetime | None
    next_follow_up_at: datetime | None
    deleted_at: datetime | None = None
    geocoded: bool = Field(False, description="Coordinates approximated from the address")
    potential_score: int | None = Field(None, description="0-100; parts: /customers/{id}/potential")
    masked_fields: list[str] = Field(default_factory=list)
    hidden_fields: list[str] = Field(default_factory=list)


class CustomerPage(BaseModel):
    items: list[CustomerOut]
    next_cursor: str | None = None
    total: int | None = None
    total_is_estimate: bool | None = None


class Created(BaseModel):
    id: uuid.UUID
    version: int
    customer: CustomerOut


class ChangeOut(BaseModel):
    id: uuid.UUID
    actor_id: uuid.UUID | None
    action: str
    at: datetime
    changes: list[dict[str, Any]]


class ChangePage(BaseModel):
    items: list[ChangeOut]
    next_cursor: str | None = None


class DuplicateRules(BaseModel):
    company_name: bool = True
    person_phone: bool = True
    email: bool = True


class MergeIn(BaseModel):
    from_id: uuid.UUID = Field(description="The customer merged into the one in the path")


class DuplicateGroup(BaseModel):
    rule: str
    key: str
    customers: list[CustomerOut]


class DuplicateGroups(BaseModel):
    items: list[DuplicateGroup]
