"""The files service's own settings (`CRM_FILES_*`); the shared ones (S3 endpoint, keys,
bucket) are `crmkit.settings`."""

from functools import lru_cache

from pydantic import BaseModel, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from crmkit.limits import FILE_MAX_BYTES

MIB = 1024 * 1024


class RecordOwner(BaseModel):
    """Where to ask whether a caller may see or edit a record of one type.

    Every owning service implements a `CheckAccess` rpc with the message shape of
    `crm.customers.v1.CheckAccess` (request: 1 record_type enum, 2 record_id, 3 user_id;
    response: 1 can_view, 2 can_edit); `record_type` is the enum number the owner expects.
    """

    target: str
    method: str = "/crm.customers.v1.CustomersService/CheckAccess"
    record_type: int


def default_record_owners() -> dict[str, RecordOwner]:
    return {
        "customer": RecordOwner(target="127.0.0.1:9102", record_type=1),
        "contact": RecordOwner(target="127.0.0.1:9102", record_type=2),
        "follow_up": RecordOwner(target="127.0.0.1:9102", record_type=3),
    }


class FilesSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CRM_FILES_", extra="ignore")

    public_s3_endpoint: str | None = Field(
        None,
        description="S3 endpoint presigned URLs point at (what clients reach); default "
        "CRM_S3_ENDPOINT",
    )
    s3_region: str = Field("us-east-1", description="Region presigned URLs are signed for")
    url_expiry_seconds: int = Field(300, description="Lifetime of presigned upload/download URLs")
    max_file_bytes: int = Field(FILE_MAX_BYTES, description="Largest file (one version) accepted")
    api_upload_max_bytes: int = Field(
        5 * MIB, description="Largest body accepted by `PUT /api/v1/files/{id}/content`"
    )
    tenant_quota_bytes: int = Field(
        10 * 1024 * MIB,
        description="Bytes a tenant may store (every version, deleted files until purged)",
    )
    allowed_types: list[str] = Field(
        [
            "application/pdf",
            "image/png",
            "image/jpeg",
            "image/gif",
            "image/webp",
            "text/plain",
            "text/csv",
            "application/zip",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "application/vnd.openxmlformats-officedocument.presentationml.presentation",
            "application/msword",
            "application/vnd.ms-excel",
        ],
        description="Content types accepted, as sniffed from the bytes (JSON list)",
    )
    retention_seconds: int = Field(
        30 * 24 * 3600, description="How long a deleted file can be restored before it is purged"
    )
    purge_every_seconds: float = Field(3600, description="How often the worker purges")
    record_owners: dict[str, RecordOwner] = Field(
        default_factory=default_record_owners,
        description="record_type → {target, method, record_type}: who answers CheckAccess "
        "for records of that type (JSON)",
    )

    def presign_endpoint(self, internal: str) -> str:
        return self.public_s3_endpoint or internal


@lru_cache(maxsize=1)
def get_files_settings() -> FilesSettings:
    return FilesSettings()


_override: FilesSettings | None = None


def set_files_settings(settings: FilesSettings | None) -> None:
    """Tests run with their own limits (small quotas, URLs that expire in seconds)."""
    global _override
    _override = settings


def files_settings() -> FilesSettings:
    return _override or get_files_settings()
