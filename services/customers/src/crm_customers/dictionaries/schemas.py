from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class DictionaryKind(StrEnum):
    INDUSTRY = "industry"
    SOURCE = "source"
    LEVEL = "level"
    STATUS = "status"
    TAG = "tag"


class DictionaryItemIn(BaseModel):
    key: str = Field(min_length=1, max_length=64, pattern=r"^[^\s,:]+$")
    label: str = Field(min_length=1, max_length=100)
    position: int = 0


class DictionaryItemPatch(BaseModel):
    label: str | None = Field(None, min_length=1, max_length=100)
    position: int | None = None
    active: bool | None = None


class DictionaryItemOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    key: str
    label: str
    position: int
    active: bool
    version: int


class DictionaryList(BaseModel):
    items: list[DictionaryItemOut]
