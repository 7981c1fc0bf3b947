"""The bytes: one MinIO (S3) bucket per deployment, keys `t/<tenant id>/<file id>/<version>`.

Keys never contain anything a user typed. Presigned URLs are signed with a client built
on the endpoint clients can reach (`CRM_FILES_PUBLIC_S3_ENDPOINT`); signing needs no call.
"""

import hashlib
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache
from io import BytesIO
from typing import IO, Any
from urllib.parse import quote, urlsplit

from minio import Minio
from minio.commonconfig import CopySource
from minio.deleteobjects import DeleteObject
from minio.error import S3Error

from crm_files.settings import FilesSettings, files_settings
from crmkit.settings import Settings, get_settings

CHUNK = 1024 * 1024


def object_key(tenant_id: uuid.UUID, file_id: uuid.UUID, version: int) -> str:
    return f"t/{tenant_id}/{file_id}/{version}"


def upload_key(key: str) -> str:
    """Where a presigned PUT lands. The service copies it to `key` before checking it, so
    a URL still alive after confirmation cannot change confirmed bytes."""
    return f"{key}.upload"


def tenant_prefix(tenant_id: uuid.UUID) -> str:
    return f"t/{tenant_id}/"


@dataclass(frozen=True)
class ObjectInfo:
    size: int


def _client(endpoint: str, settings: Settings, region: str) -> Minio:
    parts = urlsplit(endpoint)
    return Minio(
        parts.netloc,
        access_key=settings.s3_access_key,
        secret_key=settings.s3_secret_key,
        secure=parts.scheme == "https",
        region=region,
    )


class Storage:
    def __init__(self, settings: Settings, files: FilesSettings) -> None:
        self.bucket = settings.s3_bucket
        self._client = _client(settings.s3_endpoint, settings, files.s3_region)
        self._signer = _client(
            files.presign_endpoint(settings.s3_endpoint), settings, files.s3_region
        )

    def ensure_bucket(self) -> None:
        if not self._client.bucket_exists(self.bucket):
            try:
                self._client.make_bucket(self.bucket)
            except S3Error as exc:  # created by another process meanwhile
                if exc.code not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
                    raise

    def presigned_put(self, key: str, *, expires_seconds: int) -> str:
        return str(
            self._signer.presigned_put_object(self.bucket, key, timedelta(seconds=expires_seconds))
        )

    def presigned_get(
        self, key: str, *, expires_seconds: int, filename: str, content_type: str
    ) -> str:
        disposition = f"attachment; filename*=UTF-8''{quote(filename, safe='')}"
        return str(
            self._signer.presigned_get_object(
                self.bucket,
                key,
                timedelta(seconds=expires_seconds),
                response_headers={
                    "response-content-disposition": disposition,
                    "response-content-type": content_type,
                },
            )
        )

    def stat(self, key: str) -> ObjectInfo | None:
        try:
            stat: Any = self._client.stat_object(self.bucket, key)
        except S3Error as exc:
            if exc.code in ("NoSuchKey", "NoSuchObject", "ResourceNotFound"):
                return None
            raise
        return ObjectInfo(size=int(stat.size))

    def head(self, key: str, length: int) -> bytes:
        response = self._client.get_object(self.bucket, key, offset=0, length=length)
        try:
            return bytes(response.read())
        finally:
            response.close()
            response.release_conn()

    def _chunks(self, key: str) -> Iterator[bytes]:
        response = self._client.get_object(self.bucket, key)
        try:
            yield from response.stream(CHUNK)
        finally:
            response.close()
            response.release_conn()

    def sha256(self, key: str) -> str:
        """Streamed over the stored bytes: a checksum header would be the client's word."""
        digest = hashlib.sha256()
        for chunk in self._chunks(key):
            digest.update(chunk)
        return digest.hexdigest()

    def download(self, key: str, target: IO[bytes]) -> None:
        for chunk in self._chunks(key):
            target.write(chunk)

    def put(self, key: str, data: bytes, *, content_type: str) -> None:
        self._client.put_object(
            self.bucket, key, BytesIO(data), len(data), content_type=content_type
        )

    def copy(self, source: str, target: str) -> None:
        self._client.copy_object(self.bucket, target, CopySource(self.bucket, source))

    def remove(self, key: str) -> None:
        self._client.remove_object(self.bucket, key)

    def remove_many(self, keys: list[str]) -> None:
        if not keys:
            return
        errors = self._client.remove_objects(self.bucket, [DeleteObject(k) for k in keys])
        failed = list(errors)  # the call is lazy: iterating runs it
        if failed:
            raise RuntimeError(f"could not remove {len(failed)} objects: {failed[0]}")

    def list_keys(self, prefix: str) -> list[str]:
        return [
            str(o.object_name)
            for o in self._client.list_objects(self.bucket, prefix=prefix, recursive=True)
        ]


_override: Storage | None = None


def set_storage(storage: Storage | None) -> None:
    """Tests use a storage built from their own settings (short URL lifetimes)."""
    global _override
    _override = storage


@lru_cache(maxsize=1)
def _default_storage() -> Storage:
    return Storage(get_settings(), files_settings())


def storage() -> Storage:
    return _override or _default_storage()
