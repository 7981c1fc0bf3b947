"""The files HTTP contract."""

import uuid
from datetime import datetime

from pydantic import BaseModel, Field

SHA256_HEX = r"^[0-9a-fA-F]{64}$"


class UploadRequest(BaseModel):
    record_type: str = Field(min_length=1, max_length=64)
    record_id: uuid.UUID
    name: str = Field(min_length=1, max_length=255)
    size: int = Field(ge=0, description="Bytes; checked again on `complete`")
    content_type: str = Field(min_length=1, max_length=255, description="What the client claims")
    sha256: str = Field(pattern=SHA256_HEX, description="Hex SHA-256 of the bytes")


class NewVersionRequest(BaseModel):
    name: str | None = Field(None, min_length=1, max_length=255, description="Default: kept")
    size: int = Field(ge=0)
    content_type: str = Field(min_length=1, max_length=255)
    sha256: str = Field(pattern=SHA256_HEX)


class UploadTicket(BaseModel):
    id: uuid.UUID
    version: int
    upload_url: str = Field(description="Presigned PUT straight to object storage")
    expires_at: datetime


class FileUpdate(BaseModel):
    name: str | None = Field(None, min_length=1, max_length=255)
    record_type: str | None = Field(None, min_length=1, max_length=64)
    record_id: uuid.UUID | None = None


class VersionOut(BaseModel):
    version: int
    name: str
    size: int
    sha256: str
    content_type: str | None
    status: str
    created_by: uuid.UUID | None
    created_at: datetime
    download_url: str | None = None


class FileOut(BaseModel):
    id: uuid.UUID
    record_type: str
    record_id: uuid.UUID
    name: str
    status: str
    version: int
    size: int | None
    sha256: str | None
    content_type: str | None
    created_by: uuid.UUID | None
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None = None
    download_url: str | None = None
    expires_at: datetime | None = None
    versions: list[VersionOut] | None = None


class FileList(BaseModel):
    items: list[FileOut]
    next_cursor: str | None = Field(None, description="Pass as `cursor` for the next page")


class ThumbnailOut(BaseModel):
    version: int
    content_type: str
    url: str = Field(description="Short-lived presigned GET of the thumbnail")
    expires_at: datetime
