import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from crm_customers.customers.schemas import CustomerOut

Days = dict[str, int]


def _check_days(value: Days) -> Days:
    for level, days in value.items():
        if not 1 <= days <= 3650:
            raise ValueError(f"{level}: days must be between 1 and 3650")
    return value


class PoolRules(BaseModel):
    """A pool's rules. Day counts by customer level key; `*` stands for every other level,
    and a level with no entry (and no `*`) is never reclaimed by that rule."""

    model_config = ConfigDict(extra="forbid")

    reclaim_enabled: bool = False
    no_follow_up_days: Days = Field(default_factory=lambda: {"*": 30})
    no_deal_days: Days = Field(default_factory=dict)
    exempt_deal_in_progress: bool = True
    exempt_locked: bool = True
    remind_days_before: int = Field(1, ge=0, le=365, description="0: no reminder")
    claims_per_day: int | None = Field(None, ge=0, description="Per user, from this pool")
    max_owned: int | None = Field(None, ge=0, description="Customers a user may own at most")
    reclaim_cooldown_days: int = Field(
        0, ge=0, le=3650, description="Days before a previous owner may claim it back"
    )

    _days = field_validator("no_follow_up_days", "no_deal_days")(_check_days)


class PoolIn(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    member_user_ids: list[uuid.UUID] = Field(default_factory=list, max_length=500)
    member_department_ids: list[uuid.UUID] = Field(default_factory=list, max_length=500)
    rules: PoolRules = Field(default_factory=PoolRules)
    is_default: bool = False


class PoolPatch(BaseModel):
    name: str | None = Field(None, min_length=1, max_length=100)
    member_user_ids: list[uuid.UUID] | None = Field(None, max_length=500)
    member_department_ids: list[uuid.UUID] | None = Field(None, max_length=500)
    rules: PoolRules | None = None
    is_default: Literal[True] | None = Field(None, description="Makes this the default pool")


class PoolOut(BaseModel):
    id: uuid.UUID
    name: str
    is_default: bool
    member_user_ids: list[uuid.UUID]
    member_department_ids: list[uuid.UUID]
    rules: PoolRules
    version: int
    customer_count: int
    created_at: datetime
    updated_at: datetime


class PoolList(BaseModel):
    items: list[PoolOut]


class PoolCustomerPage(BaseModel):
    items: list[CustomerOut]
    next_cursor: str | None = None


class ReleaseIn(BaseModel):
    reason: str = Field(min_length=1, max_length=500)
    pool_id: uuid.UUID | None = Field(None, description="Default: the tenant's default pool")

    @field_validator("reason")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be blank")
        return value.strip()


class AssignIn(BaseModel):
    customer_ids: list[uuid.UUID] = Field(min_length=1, max_length=500)
    owner_id: uuid.UUID


class DiscardIn(BaseModel):
    customer_ids: list[uuid.UUID] = Field(min_length=1, max_length=500)
    reason: str = Field(min_length=1, max_length=500)


class RestoreIn(BaseModel):
    customer_ids: list[uuid.UUID] = Field(min_length=1, max_length=500)


class Moved(BaseModel):
    moved: int
    customer_ids: list[uuid.UUID] = Field(default_factory=list)


class HandOverIn(BaseModel):
    """All of a user's customers (or those matching `filter`, or the listed ones) to another
    user or to a pool."""

    from_user_id: uuid.UUID
    to_user_id: uuid.UUID | None = None
    to_pool_id: uuid.UUID | None = None
    filter: list[str] = Field(default_factory=list, max_length=20, description="As list filters")
    customer_ids: list[uuid.UUID] | None = Field(None, max_length=10_000)
    reason: str = Field("hand-over", min_length=1, max_length=500)


class HandOverPolicy(BaseModel):
    """What happens to a disabled user's customers (`identity.user.disabled`)."""

    mode: Literal["user", "department_head", "pool"] = "pool"
    user_id: uuid.UUID | None = Field(None, description="mode=user: who receives them")
    pool_id: uuid.UUID | None = Field(
        None, description="mode=pool (and the fallback of the others): default pool if empty"
    )
