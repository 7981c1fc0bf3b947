"""Service tokens for a re-index, from identity's `IssueServiceToken`: asked with the token
of the user who started the re-index, so identity checks that user's permission."""

import threading
from typing import Any

from crmkit.grpc.client import call_errors, make_channel

SERVICE = "search"
PURPOSE = "reindex"


class ServiceTokenClient:
    def __init__(self, target: str) -> None:
        self._target = target
        self._stub: Any = None

    def issue(self, *, user_token: str) -> str:
        from crm_proto.crm.identity.v1 import identity_pb2

        with call_errors():
            response = self._stub_for().IssueServiceToken(
                identity_pb2.IssueServiceTokenRequest(service=SERVICE, purpose=PURPOSE),
                metadata=(("authorization", f"Bearer {user_token}"),),
            )
        return str(response.token)

    def _stub_for(self) -> Any:
        if self._stub is None:
            from crm_proto.crm.identity.v1 import identity_pb2_grpc

            self._stub = identity_pb2_grpc.IdentityServiceStub(make_channel(self._target))
        return self._stub


_default: ServiceTokenClient | None = None
_default_lock = threading.Lock()


def service_token_client() -> ServiceTokenClient:
    """The process's client, from settings (`CRM_IDENTITY_GRPC_TARGET`)."""
    global _default
    with _default_lock:
        if _default is None:
            from crmkit.settings import get_settings

            _default = ServiceTokenClient(get_settings().identity_grpc_target)
        return _default


def set_service_token_client(client: ServiceTokenClient | None) -> None:
    """Use `client` in this process (tests point it at their identity server)."""
    global _default
    with _default_lock:
        _default = client
