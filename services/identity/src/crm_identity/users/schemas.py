import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class UserIn(BaseModel):
    email: str = Field(min_length=3, max_length=254)
    name: str = Field(min_length=1, max_length=200)
    password: str = Field(min_length=1, max_length=200)
    department_id: uuid.UUID | None = None
    position_id: uuid.UUID | None = None
    manager_id: uuid.UUID | None = None
    role_ids: list[uuid.UUID] = Field(default_factory=list)


class UserPatch(BaseModel):
    """Only the fields sent change. `department_id` moves the user; `status` disables or
    re-enables."""

    email: str | None = Field(None, min_length=3, max_length=254)
    name: str | None = Field(None, min_length=1, max_length=200)
    department_id: uuid.UUID | None = None
    position_id: uuid.UUID | None = None
    manager_id: uuid.UUID | None = None
    role_ids: list[uuid.UUID] | None = None
    status: Literal["active", "disabled"] | None = None


class UserOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    email: str
    name: str
    department_id: uuid.UUID | None
    position_id: uuid.UUID | None
    manager_id: uuid.UUID | None
    status: str
    version: int
    created_at: datetime
    role_ids: list[uuid.UUID] = Field(default_factory=list)


class DirectoryEntryOut(BaseModel):
    """A colleague as a people picker shows them: no e-mail, phone or roles."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    department_name: str | None
    active: bool


class PasswordReset(BaseModel):
    new_password: str = Field(min_length=1, max_length=200)


class PasswordChange(BaseModel):
    current_password: str = Field(min_length=1, max_length=200)
    new_password: str = Field(min_length=1, max_length=200)
