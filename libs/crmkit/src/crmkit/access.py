"""What a caller may see: grants and visible owners from identity, briefly cached.

Every service that owns records asks identity's `GetGrants` (function permissions, data
scope per module, field rules) and `ListVisibleOwners(module)` with the caller's own token,
and filters lists, details, gRPC answers and events with the answers. Answers are kept per
(tenant, principal) for `cache_seconds` (`CRM_ACCESS_CACHE_SECONDS`), so a role change is
seen within that long; `forget` drops a tenant's answers at once (on `identity.role.changed`,
`identity.user.*`, `identity.department.*`).
"""

import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from crmkit.auth import Principal, PrincipalKind
from crmkit.errors import PermissionDenied
from crmkit.grpc.client import call_errors


class FieldAccess(StrEnum):
    OPEN = "open"
    READ_ONLY = "read_only"
    MASKED = "masked"
    HIDDEN = "hidden"


_ACCESS_ORDER = [FieldAccess.OPEN, FieldAccess.READ_ONLY, FieldAccess.MASKED, FieldAccess.HIDDEN]


@dataclass(frozen=True)
class Grants:
    permissions: frozenset[str]
    scopes: dict[str, str]
    field_rules: dict[tuple[str, str], FieldAccess] = field(default_factory=dict)

    def field_access(self, module: str, name: str) -> FieldAccess:
        return self.field_rules.get((module, name), FieldAccess.OPEN)

    def scope(self, module: str) -> str:
        return self.scopes.get(module, "own")


@dataclass(frozen=True)
class VisibleOwners:
    """`all` or the set of user ids whose records the principal sees in one module."""

    all: bool
    owner_ids: frozenset[uuid.UUID]

    def sees(self, owners: list[uuid.UUID | None]) -> bool:
        return self.all or any(o in self.owner_ids for o in owners if o is not None)


EVERYTHING = VisibleOwners(all=True, owner_ids=frozenset())

_SCOPE_NAMES = {
    1: "own",
    2: "subordinates",
    3: "department",
    4: "department_tree",
    5: "all",
}
_FIELD_NAMES = {1: FieldAccess.HIDDEN, 2: FieldAccess.MASKED, 3: FieldAccess.READ_ONLY}


def widest(a: FieldAccess, b: FieldAccess) -> FieldAccess:
    return max(a, b, key=_ACCESS_ORDER.index)


class AccessClient:
    """Asks identity (`crm.identity.v1.IdentityService`) and caches the answers."""

    def __init__(
        self,
        target: str,
        *,
        cache_seconds: float = 5.0,
        channel_factory: Callable[[str], Any] | None = None,
    ) -> None:
        self._target = target
        self._cache_seconds = cache_seconds
        self._channel_factory = channel_factory
        self._stub: Any = None
        self._lock = threading.Lock()
        self._grants: dict[tuple[str, str], tuple[float, Grants]] = {}
        self._owners: dict[tuple[str, str, str], tuple[float, VisibleOwners]] = {}
        self._epochs: dict[uuid.UUID, int] = {}

    def grants(self, principal: Principal, *, user_id: str | None = None) -> Grants:
        """The principal's grants, or (asked by a service or a role manager) `user_id`'s."""
        about = user_id or ""
        if principal.kind is PrincipalKind.SERVICE and not about:
            return Grants(permissions=principal.permissions, scopes={})
        key = (str(principal.tenant_id), about or principal.subject)
        cached_grants: Grants | None = self._fresh(self._grants.get(key))
        if cached_grants is not None:
            return cached_grants
        from crm_proto.crm.identity.v1 import identity_pb2

        with call_errors():
            response = self._stub_for().GetGrants(
                identity_pb2.GetGrantsRequest(user_id=about), metadata=_auth(principal)
            )
        rules: dict[tuple[str, str], FieldAccess] = {}
        for rule in response.field_rules:
            access = _FIELD_NAMES.get(rule.access, FieldAccess.OPEN)
            rules[(rule.module, rule.field)] = widest(
                rules.get((rule.module, rule.field), FieldAccess.OPEN), access
            )
        grants = Grants(
            permissions=frozenset(response.permissions),
            scopes={m: _SCOPE_NAMES.get(s, "own") for m, s in response.scopes.items()},
            field_rules=rules,
        )
        with self._lock:
            self._grants[key] = (time.monotonic(), grants)
        return grants

    def visible_owners(
        self, principal: Principal, module: str, *, user_id: str | None = None
    ) -> VisibleOwners:
        """Whose records the principal (or `user_id`, asked by a service) sees in `module`.
        Service callers (`knd=service`) themselves see every record of their tenant."""
        about = user_id or ""
        if principal.kind is PrincipalKind.SERVICE and not about:
            return EVERYTHING
        if principal.kind is PrincipalKind.PORTAL:
            raise PermissionDenied("portal principals see no staff records")
        key = (str(principal.tenant_id), about or principal.subject, module)
        cached_owners: VisibleOwners | None = self._fresh(self._owners.get(key))
        if cached_owners is not None:
            return cached_owners
        from crm_proto.crm.identity.v1 import identity_pb2

        with call_errors():
            response = self._stub_for().ListVisibleOwners(
                identity_pb2.ListVisibleOwnersRequest(module=module, user_id=about),
                metadata=_auth(principal),
            )
        owners = VisibleOwners(
            all=bool(response.all),
            owner_ids=frozenset(uuid.UUID(o) for o in response.owner_ids),
        )
        with self._lock:
            self._owners[key] = (time.monotonic(), owners)
        return owners

    def observe_epoch(self, tenant_id: uuid.UUID, epoch: int) -> None:
        """Drop the tenant's answers when its access epoch moved.

        A service's consumer counts identity's access-changing events per tenant (an
        "epoch" in the tenant's schema); every API process reads it with the request and
        passes it here, so a change reaches all processes, not only the consumer's.
        """
        with self._lock:
            known = self._epochs.get(tenant_id)
            self._epochs[tenant_id] = epoch
        if known is not None and known != epoch:
            self.forget(tenant_id)

    def forget(self, tenant_id: uuid.UUID | None = None) -> None:
        """Drop cached answers (of one tenant, or all)."""
        with self._lock:
            if tenant_id is None:
                self._grants.clear()
                self._owners.clear()
                return
            tenant = str(tenant_id)
            self._grants = {k: v for k, v in self._grants.items() if k[0] != tenant}
            self._owners = {k: v for k, v in self._owners.items() if k[0] != tenant}

    def _fresh(self, entry: tuple[float, Any] | None) -> Any:
        if entry is None or time.monotonic() - entry[0] >= self._cache_seconds:
            return None
        return entry[1]

    def _stub_for(self) -> Any:
        if self._stub is None:
            from crm_proto.crm.identity.v1 import identity_pb2_grpc
            from crmkit.grpc.client import make_channel

            factory = self._channel_factory or make_channel
            self._stub = identity_pb2_grpc.IdentityServiceStub(factory(self._target))
        return self._stub


def _auth(principal: Principal) -> tuple[tuple[str, str], ...]:
    return (("authorization", f"Bearer {principal.token}"),)


_default: AccessClient | None = None
_default_lock = threading.Lock()


def access_client() -> AccessClient:
    """The process's client, from settings (`CRM_IDENTITY_GRPC_TARGET`)."""
    global _default
    with _default_lock:
        if _default is None:
            from crmkit.settings import get_settings

            settings = get_settings()
            _default = AccessClient(
                settings.identity_grpc_target, cache_seconds=settings.access_cache_seconds
            )
        return _default


def set_access_client(client: AccessClient | None) -> None:
    """Use `client` in this process (tests point it at their identity server)."""
    global _default
    with _default_lock:
        _default = client
