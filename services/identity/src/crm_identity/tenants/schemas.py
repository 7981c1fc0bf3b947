import uuid
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Locale = Literal["zh-CN", "en"]


class SignUpIn(BaseModel):
    company_name: str = Field(min_length=1, max_length=200)
    slug: str = Field(min_length=1, max_length=40)
    admin_email: str = Field(min_length=3, max_length=254)
    admin_password: str = Field(min_length=1, max_length=200)
    admin_name: str = Field(min_length=1, max_length=200)
    locale: Locale = "en"
    time_zone: str | None = Field(None, max_length=64)
    currency: str | None = Field(None, min_length=3, max_length=3)


class SignUpOut(BaseModel):
    tenant_id: uuid.UUID
    slug: str
    status: str


class SignUpStatusOut(BaseModel):
    slug: str
    status: str
    services: dict[str, str]
    # Why each failed service failed.
    reasons: dict[str, str] = Field(default_factory=dict)


class TenantOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    slug: str
    name: str
    locale: str
    time_zone: str
    currency: str
    status: str
    version: int


class TenantSettingsIn(BaseModel):
    name: str | None = Field(None, min_length=1, max_length=200)
    locale: Locale | None = None
    time_zone: str | None = Field(None, max_length=64)
    currency: str | None = Field(None, min_length=3, max_length=3, pattern=r"^[A-Z]{3}$")
