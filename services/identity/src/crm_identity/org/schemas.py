import uuid

from pydantic import BaseModel, ConfigDict, Field


class DepartmentIn(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    parent_id: uuid.UUID | None = None
    sort_order: int = 0
    head_user_id: uuid.UUID | None = None


class DepartmentPatch(BaseModel):
    """Only the fields sent change; `parent_id: null` moves the department to the top."""

    name: str | None = Field(None, min_length=1, max_length=200)
    parent_id: uuid.UUID | None = None
    sort_order: int | None = None
    head_user_id: uuid.UUID | None = None


class DepartmentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    parent_id: uuid.UUID | None
    sort_order: int
    head_user_id: uuid.UUID | None
    version: int


class PositionIn(BaseModel):
    name: str = Field(min_length=1, max_length=200)


class PositionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    version: int
