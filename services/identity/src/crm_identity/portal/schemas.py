import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from crm_identity.portal.models import PortalKind


class PortalAccountIn(BaseModel):
    email: str = Field(min_length=3, max_length=254)
    name: str = Field(min_length=1, max_length=200)
    password: str = Field(min_length=1, max_length=200)
    kind: PortalKind
    # The customer's (customer_contact) or partner's (partner_staff) id.
    linked_record_id: uuid.UUID


class PortalAccountPatch(BaseModel):
    name: str | None = Field(None, min_length=1, max_length=200)
    status: Literal["active", "disabled"] | None = None


class PortalAccountOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    email: str
    name: str
    kind: str
    linked_record_id: uuid.UUID
    status: str
    version: int
    created_at: datetime


class PortalLoginIn(BaseModel):
    tenant: str | None = Field(None, max_length=40)
    email: str = Field(min_length=1, max_length=254)
    password: str = Field(min_length=1, max_length=200)
