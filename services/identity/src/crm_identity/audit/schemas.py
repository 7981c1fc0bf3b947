import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict


class AuditEventOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    occurred_at: datetime
    action: str
    actor_kind: str | None
    actor_id: str | None
    target_type: str | None
    target_id: str | None
    ip: str | None
    details: dict[str, Any]
