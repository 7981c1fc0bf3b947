import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class Entity(StrEnum):
    CUSTOMER = "customer"
    CONTACT = "contact"


class FieldKind(StrEnum):
    TEXT = "text"
    LONG_TEXT = "long_text"
    NUMBER = "number"
    MONEY = "money"
    DATE = "date"
    DATETIME = "datetime"
    SINGLE_SELECT = "single_select"
    MULTI_SELECT = "multi_select"
    CHECKBOX = "checkbox"
    PHONE = "phone"
    EMAIL = "email"
    URL = "url"
    ADDRESS = "address"
    USER = "user"


class CustomFieldIn(BaseModel):
    entity: Entity
    key: str = Field(min_length=1, max_length=64, pattern=r"^[a-z][a-z0-9_]*$")
    label: str = Field(min_length=1, max_length=100)
    type: FieldKind
    required: bool = False
    unique: bool = False
    searchable: bool = False
    shown_in_list: bool = False
    default: Any = None
    help_text: str | None = Field(None, max_length=500)
    position: int = 0
    options: list[str] = Field(default_factory=list)


class CustomFieldPatch(BaseModel):
    label: str | None = Field(None, min_length=1, max_length=100)
    required: bool | None = None
    searchable: bool | None = None
    shown_in_list: bool | None = None
    default: Any = None
    help_text: str | None = Field(None, max_length=500)
    position: int | None = None
    options: list[str] | None = None


class CustomFieldOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    entity: Entity
    key: str
    label: str
    type: FieldKind
    required: bool
    unique: bool
    searchable: bool
    shown_in_list: bool
    default: Any
    help_text: str | None
    position: int
    options: list[str]
    version: int
    created_at: datetime
    deleted_at: datetime | None


class CustomFieldList(BaseModel):
    items: list[CustomFieldOut]
