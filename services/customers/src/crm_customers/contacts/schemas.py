import uuid
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, Field


class _Writable(BaseModel):
    title: str | None = Field(None, max_length=100)
    role: str | None = Field(None, max_length=50, description="Role in the deal")
    phones: list[str] | None = Field(None, max_length=10)
    email: str | None = Field(None, max_length=254)
    wechat: str | None = Field(None, max_length=100)
    birthday: date | None = None
    notes: str | None = Field(None, max_length=10_000)
    is_primary: bool | None = None
    custom: dict[str, Any] | None = None


class ContactCreate(_Writable):
    name: str = Field(min_length=1, max_length=200)


class ContactPatch(_Writable):
    name: str | None = Field(None, min_length=1, max_length=200)


class ContactMove(BaseModel):
    customer_id: uuid.UUID


class ContactOut(BaseModel):
    id: uuid.UUID
    customer_id: uuid.UUID
    name: str
    title: str | None
    role: str | None
    phones: list[str]
    email: str | None
    wechat: str | None
    birthday: date | None
    notes: str | None
    is_primary: bool
    custom: dict[str, Any]
    version: int
    created_at: datetime
    updated_at: datetime
    masked_fields: list[str] = Field(default_factory=list)
    hidden_fields: list[str] = Field(default_factory=list)


class ContactList(BaseModel):
    items: list[ContactOut]
