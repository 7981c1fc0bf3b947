"""The files service's expected failures (problem+json `code`s)."""

import grpc

from crmkit.errors import Conflict, CrmError, InvalidInput, NotFound


class FileTooLarge(CrmError):
    code, title, http_status, grpc_status = (
        "file_too_large",
        "File too large",
        413,
        grpc.StatusCode.INVALID_ARGUMENT,
    )


class QuotaExceeded(CrmError):
    code, title, http_status, grpc_status = (
        "quota_exceeded",
        "Storage quota exceeded",
        413,
        grpc.StatusCode.RESOURCE_EXHAUSTED,
    )


class FileTypeNotAllowed(InvalidInput):
    code, title = "file_type_not_allowed", "File type not allowed"


class ChecksumMismatch(InvalidInput):
    code, title = "checksum_mismatch", "Checksum mismatch"


class SizeMismatch(InvalidInput):
    code, title = "size_mismatch", "Size mismatch"


class UploadMissing(Conflict):
    code, title = "upload_missing", "Nothing was uploaded"


class UploadExpired(Conflict):
    code, title = "upload_expired", "The upload URL has expired"


class NothingToComplete(Conflict):
    code, title = "nothing_to_complete", "No upload is waiting for confirmation"


class NoThumbnail(NotFound):
    code, title = "no_thumbnail", "This file has no thumbnail"
