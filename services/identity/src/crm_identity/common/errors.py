"""Errors identity adds to crmkit's."""

import grpc

from crmkit.errors import CrmError


class TooManyAttempts(CrmError):
    code, title, http_status, grpc_status = (
        "too_many_attempts",
        "Too many attempts",
        429,
        grpc.StatusCode.RESOURCE_EXHAUSTED,
    )
