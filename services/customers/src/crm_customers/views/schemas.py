import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class ViewIn(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    filters: list[str] = Field(default_factory=list, max_length=30)
    sort: str | None = Field(None, max_length=100)
    columns: list[str] = Field(default_factory=list, max_length=100)
    shared: bool = Field(False, description="Shared with the owner's department")


class ViewPatch(BaseModel):
    name: str | None = Field(None, min_length=1, max_length=100)
    filters: list[str] | None = Field(None, max_length=30)
    sort: str | None = Field(None, max_length=100)
    columns: list[str] | None = Field(None, max_length=100)
    shared: bool | None = None


class ViewOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    owner_id: uuid.UUID
    department_id: uuid.UUID | None
    name: str
    filters: list[str]
    sort: str | None
    columns: list[str]
    shared: bool
    version: int
    created_at: datetime


class ViewList(BaseModel):
    items: list[ViewOut]
