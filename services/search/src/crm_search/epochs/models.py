"""Each tenant's access epoch (platform schema: search keeps no tenant schemas)."""

import uuid

from sqlalchemy import BigInteger
from sqlalchemy.orm import Mapped, mapped_column

from crmkit.db import PlatformBase


class AccessEpoch(PlatformBase):
    __tablename__ = "search_access_epochs"

    tenant_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    epoch: Mapped[int] = mapped_column(BigInteger)
