"""The session check: a token whose session has ended is refused within the cache time,
answers are reused briefly, and an unreachable identity does not let old answers live on."""

import socket
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from typing import Any

import grpc
import pytest

from crm_proto.crm.identity.v1 import identity_pb2, identity_pb2_grpc
from crmkit.auth import Principal, PrincipalKind, TokenVerifier, current_principal
from crmkit.errors import Unauthenticated
from crmkit.grpc import GrpcServer, build_server
from crmkit.sessions import IdentitySessionCheck
from crmkit.testing.tokens import TestSigner

TENANT = uuid.UUID("0c0c0c0c-0000-4000-8000-00000000000c")


class FakeIdentity(identity_pb2_grpc.IdentityServiceServicer):
    """Refuses the tokens of ended sessions as identity's interceptor would."""

    def __init__(self) -> None:
        self.ended: set[str] = set()
        self.calls: Counter[str] = Counter()

    def CheckSession(self, request: Any, context: grpc.ServicerContext) -> Any:  # noqa: N802
        session_id = current_principal().session_id or ""
        self.calls[session_id] += 1
        if session_id in self.ended:
            raise Unauthenticated("the session has ended")
        return identity_pb2.CheckSessionResponse(active=True)


class Always:
    def __init__(self, answer: bool) -> None:
        self.answer = answer
        self.asked: list[Principal] = []

    def is_active(self, principal: Principal) -> bool:
        self.asked.append(principal)
        return self.answer


@pytest.fixture(scope="module")
def identity() -> FakeIdentity:
    return FakeIdentity()


@pytest.fixture(scope="module")
def server(signer: TestSigner, identity: FakeIdentity) -> Iterator[GrpcServer]:
    server = build_server(
        [(identity_pb2_grpc.add_IdentityServiceServicer_to_server, identity)],
        port=0,
        verifier=signer.verifier(),
    )
    server.start()
    yield server
    server.stop(grace_seconds=0)


def verifier_with(signer: TestSigner, check: Any) -> TokenVerifier:
    return TokenVerifier(
        signer.verifier()._keys,  # noqa: SLF001 - the same keys, plus a session check
        issuer="crm-identity",
        audience="crm",
        session_check=check,
    )


def user_token(signer: TestSigner, session_id: str) -> str:
    return signer.mint(tenant_id=TENANT, sid=session_id)


def test_a_verifier_refuses_what_the_session_check_says_has_ended(signer: TestSigner) -> None:
    check = Always(False)
    verifier = verifier_with(signer, check)
    with pytest.raises(Unauthenticated):
        verifier.verify(user_token(signer, "s1"))
    service_token = signer.mint(tenant_id=None, kind=PrincipalKind.SERVICE)
    assert verifier.verify(service_token).kind is PrincipalKind.SERVICE
    assert [p.kind for p in check.asked] == [PrincipalKind.USER], "services are not sessions"
    assert verifier_with(signer, Always(True)).verify(user_token(signer, "s1")).session_id == "s1"


def test_an_ended_session_is_refused_once_the_cached_answer_expires(
    signer: TestSigner, server: GrpcServer, identity: FakeIdentity
) -> None:
    session_id = uuid.uuid4().hex
    check = IdentitySessionCheck(f"127.0.0.1:{server.port}", cache_seconds=0.5)
    verifier = verifier_with(signer, check)
    token = user_token(signer, session_id)
    for _ in range(5):
        verifier.verify(token)
    assert identity.calls[session_id] == 1, "answers are reused within the cache time"

    identity.ended.add(session_id)
    started = time.monotonic()
    while True:
        try:
            verifier.verify(token)
        except Unauthenticated:
            break
        assert time.monotonic() - started < 2, "still accepted long after the cache time"
        time.sleep(0.05)
    other = user_token(signer, uuid.uuid4().hex)
    assert verifier.verify(other).session_id != session_id, "other sessions go on"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_with_identity_unreachable_only_a_recent_answer_is_reused(signer: TestSigner) -> None:
    port = free_port()
    identity = FakeIdentity()
    server = build_server(
        [(identity_pb2_grpc.add_IdentityServiceServicer_to_server, identity)],
        port=port,
        verifier=signer.verifier(),
    )
    server.start()
    check = IdentitySessionCheck(
        f"127.0.0.1:{port}", cache_seconds=0.1, stale_seconds=1.0, timeout_seconds=0.5
    )
    token = user_token(signer, "s-stale")
    verifier = verifier_with(signer, check)
    verifier.verify(token)
    server.stop(grace_seconds=0)
    time.sleep(0.2)
    verifier.verify(token)  # identity is gone; the answer is 0.2 s old
    time.sleep(1.0)
    with pytest.raises(Unauthenticated):
        verifier.verify(token)
    never_seen = verifier_with(
        signer, IdentitySessionCheck(f"127.0.0.1:{free_port()}", timeout_seconds=0.5)
    )
    with pytest.raises(Unauthenticated):
        never_seen.verify(token)
