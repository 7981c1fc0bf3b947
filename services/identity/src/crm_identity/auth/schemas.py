import uuid
from typing import Literal

from pydantic import BaseModel, Field

from crm_identity.roles.schemas import RoleOut
from crm_identity.tenants.schemas import TenantOut
from crm_identity.users.schemas import UserOut


class LoginIn(BaseModel):
    # The tenant's slug; the gateway may give it in `X-CRM-Tenant-Slug` instead.
    tenant: str | None = Field(None, max_length=40)
    email: str = Field(min_length=1, max_length=254)
    password: str = Field(min_length=1, max_length=200)


class RefreshIn(BaseModel):
    refresh_token: str = Field(min_length=1, max_length=300)


class TokenOut(BaseModel):
    access_token: str
    refresh_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 - the scheme, not a secret
    expires_in: int


class MeOut(BaseModel):
    user: UserOut
    tenant: TenantOut
    roles: list[RoleOut]
    permissions: list[str]
    scopes: dict[str, str]
    field_rules: dict[str, dict[str, str]]
    session_id: uuid.UUID | None
