"""Is a token's session still alive? Identity knows; every other service asks it.

A signature stays valid until the token expires, but a user who logs out, is disabled, or
whose tenant is suspended must be refused within seconds. `IdentitySessionCheck` asks
identity's `CheckSession` with the token itself and keeps each answer for
`cache_seconds`, so an ended session is refused at most that long (plus one call) after it
ends. Identity's own gRPC server verifies the token with a local check (no call back to
itself), so the question never recurses.
"""

import logging
import threading
import time
from dataclasses import dataclass
from typing import Any

import grpc

from crmkit.auth import Principal
from crmkit.errors import Unauthenticated

log = logging.getLogger(__name__)

CHECK_SESSION_METHOD = "/crm.identity.v1.IdentityService/CheckSession"


@dataclass(frozen=True)
class _Answer:
    active: bool
    at: float


class IdentitySessionCheck:
    def __init__(
        self,
        target: str,
        *,
        cache_seconds: float = 2.0,
        stale_seconds: float = 60.0,
        timeout_seconds: float = 2.0,
        channel: grpc.Channel | None = None,
    ) -> None:
        self._target = target
        self._cache_seconds = cache_seconds
        self._stale_seconds = stale_seconds
        self._timeout_seconds = timeout_seconds
        self._channel = channel
        self._stub: Any = None
        self._answers: dict[tuple[str, str], _Answer] = {}
        self._lock = threading.Lock()

    def is_active(self, principal: Principal) -> bool:
        key = (str(principal.tenant_id), principal.session_id or principal.subject)
        now = time.monotonic()
        with self._lock:
            cached = self._answers.get(key)
        if cached is not None and now - cached.at < self._cache_seconds:
            return cached.active
        try:
            active = self._ask(principal)
        except grpc.RpcError as exc:
            if cached is not None and cached.active and now - cached.at < self._stale_seconds:
                log.warning("identity unreachable (%s); reusing a recent session answer", exc)
                return True
            raise Unauthenticated("the session could not be checked") from exc
        with self._lock:
            self._forget_old(now)
            self._answers[key] = _Answer(active=active, at=now)
        return active

    def _ask(self, principal: Principal) -> bool:
        from crm_proto.crm.identity.v1 import identity_pb2

        try:
            response = self._stub_for().CheckSession(
                identity_pb2.CheckSessionRequest(),
                metadata=(("authorization", f"Bearer {principal.token}"),),
                timeout=self._timeout_seconds,
            )
        except grpc.RpcError as exc:
            if isinstance(exc, grpc.Call) and exc.code() in (
                grpc.StatusCode.UNAUTHENTICATED,
                grpc.StatusCode.NOT_FOUND,
            ):
                return False
            raise
        return bool(response.active)

    def _stub_for(self) -> Any:
        if self._stub is None:
            from crm_proto.crm.identity.v1 import identity_pb2_grpc
            from crmkit.grpc.client import make_channel

            channel = self._channel or make_channel(self._target)
            self._stub = identity_pb2_grpc.IdentityServiceStub(channel)
        return self._stub

    def _forget_old(self, now: float) -> None:
        if len(self._answers) < 10_000:
            return
        horizon = now - self._stale_seconds
        self._answers = {k: a for k, a in self._answers.items() if a.at >= horizon}
