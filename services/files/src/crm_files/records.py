"""May the caller see or edit record X? Asked of the record's owning service over gRPC.

The registry (`CRM_FILES_RECORD_OWNERS`) maps a record type to its owner's target, the
full method name of its `CheckAccess` rpc and the enum number of that type there. Every
owner answers with the message shape of `crm.customers.v1.CheckAccess`, so a record type
registered later (opportunities, tickets) needs configuration, not code, here.
"""

import threading
import uuid
from dataclasses import dataclass
from typing import Any

import grpc

from crm_files.settings import RecordOwner, files_settings
from crm_proto.crm.customers.v1 import customers_pb2
from crmkit.errors import InvalidInput, NotFound, PermissionDenied
from crmkit.grpc.client import call_errors, make_channel


@dataclass(frozen=True)
class RecordAccess:
    can_view: bool
    can_edit: bool


_channels: dict[str, grpc.Channel] = {}
_lock = threading.Lock()


def _channel(target: str) -> grpc.Channel:
    with _lock:
        channel = _channels.get(target)
        if channel is None:
            channel = _channels[target] = make_channel(target)
        return channel


def owner_for(record_type: str) -> RecordOwner:
    owner = files_settings().record_owners.get(record_type)
    if owner is None:
        known = ", ".join(sorted(files_settings().record_owners))
        raise InvalidInput.on_field("record_type", f"one of: {known}")
    return owner


def check_access(*, record_type: str, record_id: uuid.UUID) -> RecordAccess:
    """The caller's access to one record, asked with the caller's token."""
    owner = owner_for(record_type)
    call: Any = _channel(owner.target).unary_unary(
        owner.method,
        request_serializer=customers_pb2.CheckAccessRequest.SerializeToString,
        response_deserializer=customers_pb2.CheckAccessResponse.FromString,
    )
    request = customers_pb2.CheckAccessRequest(record_id=str(record_id))
    # Set the enum by number: an owner's own enum shares the wire format.
    request.record_type = owner.record_type  # type: ignore[assignment]
    try:
        with call_errors():
            response = call(request)
    except (NotFound, PermissionDenied, InvalidInput):
        return RecordAccess(can_view=False, can_edit=False)
    return RecordAccess(can_view=bool(response.can_view), can_edit=bool(response.can_edit))


def require_view(*, record_type: str, record_id: uuid.UUID) -> None:
    """404 unless the caller may see the record: a file tells nothing of a hidden record."""
    if not check_access(record_type=record_type, record_id=record_id).can_view:
        raise NotFound("record not found")


def require_edit(*, record_type: str, record_id: uuid.UUID) -> None:
    access = check_access(record_type=record_type, record_id=record_id)
    if not access.can_view:
        raise NotFound("record not found")
    if not access.can_edit:
        raise PermissionDenied("you may not change this record's files")
