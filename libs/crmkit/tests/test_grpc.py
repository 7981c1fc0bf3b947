"""crmkit.grpc against a real server on a free local port, with real signed tokens."""

import json
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter, namedtuple
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc
from opentelemetry import trace
from opentelemetry.trace import NonRecordingSpan, SpanContext, TraceFlags

from crm_proto.crm.testing.v1 import probe_pb2, probe_pb2_grpc
from crmkit.auth import current_principal
from crmkit.errors import (
    Conflict,
    CrmError,
    FieldError,
    InvalidInput,
    NotFound,
    PermissionDenied,
    PreconditionFailed,
    TenantNotReady,
    Unavailable,
)
from crmkit.grpc import (
    PROBLEM_METADATA_KEY,
    AuthInterceptor,
    GrpcServer,
    build_server,
    call_errors,
    make_channel,
)
from crmkit.settings import get_settings
from crmkit.tenancy import current_tenant_or_none
from crmkit.testing.tokens import TestSigner

TENANT_A = uuid.UUID("0a0a0a0a-0000-4000-8000-00000000000a")
TENANT_B = uuid.UUID("0b0b0b0b-0000-4000-8000-00000000000b")
SECRET = "password=hunter2 at db-7"

DOMAIN_ERRORS: dict[str, type[CrmError]] = {
    "not_found": NotFound,
    "invalid_input": InvalidInput,
    "permission_denied": PermissionDenied,
    "conflict": Conflict,
    "precondition_failed": PreconditionFailed,
    "unavailable": Unavailable,
    "tenant_not_ready": TenantNotReady,
}


def fail(code: str) -> None:
    if not code:
        return
    if code == "invalid_input":
        raise InvalidInput.on_field("message", "too short")
    if code in DOMAIN_ERRORS:
        raise DOMAIN_ERRORS[code](f"the probe says {code}")
    raise RuntimeError(SECRET)


@dataclass
class Seen:
    tenant_id: str
    subject: str
    trace_id: int


class Probe(probe_pb2_grpc.ProbeServiceServicer):
    """Records what each call saw; `message` keys the records, so tests use unique ones."""

    def __init__(self) -> None:
        self.attempts: Counter[str] = Counter()
        self.unavailable_first: dict[str, int] = {}
        self.seen: dict[str, Seen] = {}
        self.nested: dict[str, tuple[grpc.StatusCode, float]] = {}
        self.downstream: grpc.Channel | None = None

    def Echo(self, request: Any, context: grpc.ServicerContext) -> Any:
        self.attempts[request.message] += 1
        self.seen[request.message] = Seen(
            tenant_id=_tenant(),
            subject=current_principal().subject,
            trace_id=trace.get_current_span().get_span_context().trace_id,
        )
        if self.attempts[request.message] <= self.unavailable_first.get(request.message, 0):
            raise Unavailable("warming up")
        if request.message.startswith("nested") and "/" not in request.message:
            self._call_downstream(request)
        else:
            time.sleep(request.sleep_ms / 1000)
        fail(request.fail_with)
        return probe_pb2.EchoResponse(
            message=request.message, tenant_id=_tenant(), subject=current_principal().subject
        )

    def Count(self, request: Any, context: grpc.ServicerContext) -> Iterator[Any]:
        for index in range(request.count):
            if request.fail_with and index == request.fail_after:
                fail(request.fail_with)
            time.sleep(0.005)
            yield probe_pb2.CountResponse(
                index=index, tenant_id=_tenant(), subject=current_principal().subject
            )

    def _call_downstream(self, request: Any) -> None:
        """No token and no timeout given: both come from the call being served."""
        stub = probe_pb2_grpc.ProbeServiceStub(self.downstream)
        started = time.monotonic()
        status = grpc.StatusCode.OK
        try:
            stub.Echo(
                probe_pb2.EchoRequest(
                    message=f"{request.message}/downstream", sleep_ms=request.sleep_ms
                )
            )
        except grpc.RpcError as exc:
            status = exc.code()
        self.nested[request.message] = (status, time.monotonic() - started)


def _tenant() -> str:
    tenant = current_tenant_or_none()
    return str(tenant) if tenant else ""


@pytest.fixture(scope="module")
def signer() -> TestSigner:
    return TestSigner()


@pytest.fixture(scope="module")
def probe() -> Probe:
    return Probe()


@pytest.fixture(scope="module")
def server(signer: TestSigner, probe: Probe) -> Iterator[GrpcServer]:
    server = build_server(
        [(probe_pb2_grpc.add_ProbeServiceServicer_to_server, probe)],
        port=0,
        verifier=signer.verifier(),
    )
    server.start()
    probe.downstream = make_channel(f"127.0.0.1:{server.port}")
    yield server
    probe.downstream.close()
    server.stop(grace_seconds=0)


@pytest.fixture(scope="module")
def channel(server: GrpcServer) -> Iterator[grpc.Channel]:
    channel = make_channel(f"127.0.0.1:{server.port}")
    yield channel
    channel.close()


@pytest.fixture(scope="module")
def stub(channel: grpc.Channel) -> Any:
    return probe_pb2_grpc.ProbeServiceStub(channel)


@pytest.fixture(scope="module")
def raw_stub(server: GrpcServer) -> Iterator[Any]:
    """Without crmkit's client side, which would merge duplicate metadata keys."""
    with grpc.insecure_channel(f"127.0.0.1:{server.port}") as channel:
        yield probe_pb2_grpc.ProbeServiceStub(channel)


def bearer(token: str) -> tuple[tuple[str, str], ...]:
    return (("authorization", f"Bearer {token}"),)


def unique(prefix: str = "m") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def problem_of(error: grpc.RpcError) -> dict[str, Any]:
    for key, value in error.trailing_metadata() or ():
        if key == PROBLEM_METADATA_KEY:
            return dict(json.loads(value))
    return {}


# --- who is calling, for which tenant -------------------------------------------------------


def test_echo_answers_with_tenant_and_subject_of_the_token(stub: Any, signer: TestSigner) -> None:
    for tenant, subject in ((TENANT_A, "alice"), (TENANT_B, "bob")):
        token = signer.mint(tenant_id=tenant, subject=subject)
        reply = stub.Echo(probe_pb2.EchoRequest(message="hi"), metadata=bearer(token))
        assert (reply.tenant_id, reply.subject) == (str(tenant), subject)


def test_tenant_never_comes_from_plain_metadata(stub: Any, signer: TestSigner) -> None:
    token = signer.mint(tenant_id=None, subject="svc-search")
    smuggled = (("x-tenant-id", str(TENANT_B)), ("tenant-id", str(TENANT_B)))
    reply = stub.Echo(probe_pb2.EchoRequest(message="hi"), metadata=bearer(token) + smuggled)
    assert (reply.tenant_id, reply.subject) == ("", "svc-search")


def test_concurrent_calls_keep_their_own_tenant(stub: Any, signer: TestSigner) -> None:
    tokens = {
        t: signer.mint(tenant_id=t, subject=f"user-{t.hex[:4]}") for t in (TENANT_A, TENANT_B)
    }
    calls = [
        (tenant, stub.Echo.future(probe_pb2.EchoRequest(sleep_ms=50), metadata=bearer(token)))
        for _ in range(6)
        for tenant, token in tokens.items()
    ]
    assert all(call.result().tenant_id == str(tenant) for tenant, call in calls)


def _tampered(token: str) -> str:
    head, payload, signature = token.split(".")
    flipped = "A" if signature[5] != "A" else "B"
    return f"{head}.{payload}.{signature[:5]}{flipped}{signature[6:]}"


BAD_CREDENTIALS = {
    "missing": lambda s: (),
    "tampered": lambda s: bearer(_tampered(s.mint(tenant_id=TENANT_A))),
    "expired": lambda s: bearer(s.mint(tenant_id=TENANT_A, ttl_seconds=-60)),
    "other signer": lambda s: bearer(TestSigner(kid=s.kid).mint(tenant_id=TENANT_A)),
    "not bearer": lambda s: (("authorization", f"Basic {s.mint(tenant_id=TENANT_A)}"),),
    "twice": lambda s: bearer(s.mint(tenant_id=TENANT_A)) * 2,
}


@pytest.mark.parametrize("case", BAD_CREDENTIALS)
def test_bad_credentials_are_unauthenticated(
    case: str, raw_stub: Any, signer: TestSigner, probe: Probe
) -> None:
    metadata = BAD_CREDENTIALS[case](signer)
    message = unique()
    with pytest.raises(grpc.RpcError) as caught:
        raw_stub.Echo(probe_pb2.EchoRequest(message=message), metadata=metadata)
    assert caught.value.code() is grpc.StatusCode.UNAUTHENTICATED
    assert problem_of(caught.value)["code"] == "unauthenticated"
    assert probe.attempts[message] == 0

    with pytest.raises(grpc.RpcError) as caught:
        list(raw_stub.Count(probe_pb2.CountRequest(count=3), metadata=metadata))
    assert caught.value.code() is grpc.StatusCode.UNAUTHENTICATED


# --- deadlines ---------------------------------------------------------------------------------


def test_deadline_exceeded(stub: Any, signer: TestSigner) -> None:
    token = signer.mint(tenant_id=TENANT_A)
    started = time.monotonic()
    with pytest.raises(grpc.RpcError) as caught:
        stub.Echo(probe_pb2.EchoRequest(sleep_ms=1000), metadata=bearer(token), timeout=0.1)
    assert caught.value.code() is grpc.StatusCode.DEADLINE_EXCEEDED
    assert time.monotonic() - started < 0.6


def test_default_deadline_when_the_caller_gives_none(
    server: GrpcServer, signer: TestSigner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CRM_GRPC_DEADLINE_SECONDS", "0.2")
    get_settings.cache_clear()
    try:
        with make_channel(f"127.0.0.1:{server.port}") as channel:
            stub = probe_pb2_grpc.ProbeServiceStub(channel)
            token = signer.mint(tenant_id=TENANT_A)
            with pytest.raises(grpc.RpcError) as caught:
                stub.Echo(probe_pb2.EchoRequest(sleep_ms=1500), metadata=bearer(token))
    finally:
        get_settings.cache_clear()
    assert caught.value.code() is grpc.StatusCode.DEADLINE_EXCEEDED


Metadatum = namedtuple("Metadatum", "key value")
CallDetails = namedtuple("CallDetails", "method invocation_metadata")


class FakeContext:
    """Just what the interceptor touches: grpc itself rarely starts a handler that late."""

    def __init__(self, remaining: float) -> None:
        self.remaining = remaining
        self.status: grpc.StatusCode | None = None

    def time_remaining(self) -> float:
        return self.remaining

    def code(self) -> grpc.StatusCode | None:
        return self.status

    def abort(self, code: grpc.StatusCode, details: str) -> None:
        self.status = code
        raise Exception()  # what grpc's ServicerContext.abort raises

    def set_trailing_metadata(self, metadata: Any) -> None:
        pass


@pytest.mark.parametrize(("remaining", "runs"), [(0.0, False), (5.0, True)])
def test_a_call_already_past_its_deadline_never_reaches_the_handler(
    remaining: float, runs: bool, signer: TestSigner
) -> None:
    ran = []
    interceptor = AuthInterceptor(verifier=signer.verifier())
    metadata = (Metadatum("authorization", f"Bearer {signer.mint(tenant_id=TENANT_A)}"),)
    handler = interceptor.intercept_service(
        lambda details: grpc.unary_unary_rpc_method_handler(lambda req, ctx: ran.append(req)),
        CallDetails("/crm.testing.v1.ProbeService/Echo", metadata),
    )
    context = FakeContext(remaining)
    if runs:
        handler.unary_unary("request", context)
    else:
        with pytest.raises(Exception):  # noqa: B017, PT011 - the bare one abort raises
            handler.unary_unary("request", context)
    assert context.status == (None if runs else grpc.StatusCode.DEADLINE_EXCEEDED)
    assert ran == (["request"] if runs else [])


def test_a_handler_forwards_token_and_remaining_deadline_downstream(
    stub: Any, signer: TestSigner, probe: Probe
) -> None:
    token = signer.mint(tenant_id=TENANT_B, subject="carol")
    forwarded = unique("nested")
    stub.Echo(probe_pb2.EchoRequest(message=forwarded), metadata=bearer(token))
    assert probe.nested[forwarded][0] is grpc.StatusCode.OK
    downstream = probe.seen[f"{forwarded}/downstream"]
    assert (downstream.tenant_id, downstream.subject) == (str(TENANT_B), "carol")

    # The downstream sleeps 2 s, within the 5 s default deadline but not the 0.3 s left.
    hurried = unique("nested")
    with pytest.raises(grpc.RpcError):
        stub.Echo(
            probe_pb2.EchoRequest(message=hurried, sleep_ms=2000),
            metadata=bearer(token),
            timeout=0.3,
        )
    _wait_for(lambda: hurried in probe.nested)
    status, elapsed = probe.nested[hurried]
    assert status is grpc.StatusCode.DEADLINE_EXCEEDED
    assert elapsed < 1.0


def _wait_for(condition: Any, timeout: float = 5.0) -> None:
    give_up = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < give_up, "condition not met in time"
        time.sleep(0.01)


# --- errors ------------------------------------------------------------------------------------


@pytest.mark.parametrize("code", sorted(DOMAIN_ERRORS))
def test_domain_errors_keep_status_and_class_across_the_wire(
    code: str, stub: Any, signer: TestSigner
) -> None:
    error_class = DOMAIN_ERRORS[code]
    token = signer.mint(tenant_id=TENANT_A)
    request = probe_pb2.EchoRequest(message=unique(), fail_with=code)
    with pytest.raises(grpc.RpcError) as caught:
        stub.Echo(request, metadata=bearer(token))
    assert caught.value.code() is error_class.grpc_status
    assert problem_of(caught.value)["code"] == error_class.code

    with pytest.raises(CrmError) as raised, call_errors():
        stub.Echo(request, metadata=bearer(token))
    assert type(raised.value) is error_class
    assert raised.value.detail == caught.value.details()
    if error_class is InvalidInput:
        assert raised.value.errors == [FieldError("message", "too short")]


def test_unexpected_error_is_internal_and_not_leaked(
    stub: Any, signer: TestSigner, caplog: pytest.LogCaptureFixture
) -> None:
    token = signer.mint(tenant_id=TENANT_A)
    with pytest.raises(grpc.RpcError) as caught:
        stub.Echo(probe_pb2.EchoRequest(fail_with="crash"), metadata=bearer(token))
    assert caught.value.code() is grpc.StatusCode.INTERNAL
    assert SECRET not in str(caught.value.details())
    assert SECRET not in repr(caught.value.trailing_metadata())
    _wait_for(lambda: any(SECRET in r.getMessage() + (r.exc_text or "") for r in caplog.records))
    logged = next(r for r in caplog.records if r.exc_info and SECRET in str(r.exc_info[1]))
    assert logged.name == "crmkit.grpc.interceptors"


def test_client_retries_unavailable(stub: Any, signer: TestSigner, probe: Probe) -> None:
    token = signer.mint(tenant_id=TENANT_A)
    flaky = unique("flaky")
    probe.unavailable_first[flaky] = 2
    reply = stub.Echo(probe_pb2.EchoRequest(message=flaky), metadata=bearer(token))
    assert reply.message == flaky
    assert probe.attempts[flaky] == 3

    down = unique("down")
    with pytest.raises(Unavailable), call_errors():
        stub.Echo(
            probe_pb2.EchoRequest(message=down, fail_with="unavailable"), metadata=bearer(token)
        )
    assert probe.attempts[down] == 4


# --- streaming ---------------------------------------------------------------------------------


def test_count_streams_with_the_tenant_set_inside_the_generator(
    stub: Any, signer: TestSigner
) -> None:
    token = signer.mint(tenant_id=TENANT_B, subject="dave")
    items = list(stub.Count(probe_pb2.CountRequest(count=25), metadata=bearer(token)))
    assert [i.index for i in items] == list(range(25))
    assert {(i.tenant_id, i.subject) for i in items} == {(str(TENANT_B), "dave")}


def test_an_error_in_the_middle_of_a_stream_keeps_its_status(stub: Any, signer: TestSigner) -> None:
    token = signer.mint(tenant_id=TENANT_A)
    request = probe_pb2.CountRequest(count=5, fail_with="not_found", fail_after=2)
    received = []
    with pytest.raises(NotFound), call_errors():
        received.extend(stub.Count(request, metadata=bearer(token)))
    assert [i.index for i in received] == [0, 1]

    leaky = probe_pb2.CountRequest(count=5, fail_with="crash", fail_after=1)
    with pytest.raises(grpc.RpcError) as caught:
        list(stub.Count(leaky, metadata=bearer(token)))
    assert caught.value.code() is grpc.StatusCode.INTERNAL
    assert SECRET not in str(caught.value.details())


# --- health, reflection, tracing, shutdown -----------------------------------------------------


def test_health_answers_serving_without_a_token(channel: grpc.Channel) -> None:
    health = health_pb2_grpc.HealthStub(channel)
    for service in ("", "crm.testing.v1.ProbeService"):
        reply = health.Check(health_pb2.HealthCheckRequest(service=service))
        assert reply.status == health_pb2.HealthCheckResponse.SERVING


def test_reflection_lists_the_probe_service(channel: grpc.Channel) -> None:
    reflection = reflection_pb2_grpc.ServerReflectionStub(channel)
    request = reflection_pb2.ServerReflectionRequest(list_services="")
    (reply,) = list(reflection.ServerReflectionInfo(iter([request])))
    names = {s.name for s in reply.list_services_response.service}
    assert {"crm.testing.v1.ProbeService", "grpc.health.v1.Health"} <= names


def test_the_trace_follows_the_call(stub: Any, signer: TestSigner, probe: Probe) -> None:
    trace_id = uuid.uuid4().int
    parent = SpanContext(
        trace_id=trace_id, span_id=0xC0FFEE, is_remote=False, trace_flags=TraceFlags(1)
    )
    message = unique()
    with trace.use_span(NonRecordingSpan(parent)):
        stub.Echo(
            probe_pb2.EchoRequest(message=message),
            metadata=bearer(signer.mint(tenant_id=TENANT_A)),
        )
    assert probe.seen[message].trace_id == trace_id


SERVE_FOREVER = """
from crmkit.grpc import build_server, serve_forever
from crmkit.testing.tokens import TestSigner

server = build_server([], port=0, verifier=TestSigner().verifier())
print(server.port, flush=True)
serve_forever(server, grace_seconds=1)
print("stopped", flush=True)
"""


def test_serve_forever_stops_gracefully_on_sigterm() -> None:
    command = [sys.executable, "-c", SERVE_FOREVER]
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True) as process:
        try:
            assert process.stdout is not None
            port = int(process.stdout.readline())
            with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
                reply = health_pb2_grpc.HealthStub(channel).Check(
                    health_pb2.HealthCheckRequest(), wait_for_ready=True, timeout=10
                )
            assert reply.status == health_pb2.HealthCheckResponse.SERVING
            process.send_signal(signal.SIGTERM)
            assert process.wait(timeout=10) == 0
            assert process.stdout.read().strip() == "stopped"
        finally:
            process.kill()
