import uuid

from pydantic import BaseModel, ConfigDict, Field

from crm_identity.roles.scopes import DataScope, FieldAccess


class RoleIn(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    description: str = Field("", max_length=2000)
    permissions: list[str] = Field(default_factory=list)
    scopes: dict[str, DataScope] = Field(default_factory=dict)
    field_rules: dict[str, dict[str, FieldAccess]] = Field(default_factory=dict)


class RolePatch(BaseModel):
    name: str | None = Field(None, min_length=1, max_length=100)
    description: str | None = Field(None, max_length=2000)
    permissions: list[str] | None = None
    scopes: dict[str, DataScope] | None = None
    field_rules: dict[str, dict[str, FieldAccess]] | None = None


class RoleOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    builtin_key: str | None
    name: str
    description: str
    permissions: list[str]
    scopes: dict[str, str]
    field_rules: dict[str, dict[str, str]]
    version: int


class ModuleCatalogueOut(BaseModel):
    module: str
    permissions: list[str]
    fields: list[str]
    scopes: list[str]
