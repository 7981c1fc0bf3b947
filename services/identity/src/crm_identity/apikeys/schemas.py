import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class ApiKeyIn(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    permissions: list[str] = Field(min_length=1)


class ApiKeyOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    prefix: str
    permissions: list[str]
    created_by: uuid.UUID | None
    created_at: datetime
    revoked_at: datetime | None


class ApiKeyCreated(ApiKeyOut):
    # Shown once, here; identity keeps only its hash.
    key: str


class ApiKeyExchangeIn(BaseModel):
    api_key: str = Field(min_length=1, max_length=300)


class AccessTokenOut(BaseModel):
    access_token: str
    token_type: str = "bearer"  # noqa: S105 - the scheme, not a secret
    expires_in: int
