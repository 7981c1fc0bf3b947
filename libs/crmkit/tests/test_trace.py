"""One trace follows a request from HTTP through a gRPC call, the outbox and RabbitMQ into
the consumer that applies the event."""

import uuid
from collections.abc import Iterator

import grpc
import pytest
from fastapi import APIRouter
from fastapi.testclient import TestClient
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from crm_proto.crm.testing.v1 import probe_pb2, probe_pb2_grpc
from crmkit.db import Database
from crmkit.events.outbox import record_event
from crmkit.grpc import build_server, make_channel
from crmkit.http import CurrentPrincipal, create_app
from crmkit.settings import Settings
from crmkit.telemetry import setup_telemetry
from crmkit.testing.tokens import TestSigner

from .events_support import make_consumer, make_relay, notes_count, running, wait_until
from .sample.models import Note


class NotingProbe(probe_pb2_grpc.ProbeServiceServicer):
    """Writes a note and its event in the caller's tenant, as a real service would."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def Echo(  # noqa: N802 - generated gRPC method name
        self, request: probe_pb2.EchoRequest, context: grpc.ServicerContext
    ) -> probe_pb2.EchoResponse:
        with self.db.tenant_transaction() as session:
            session.add(Note(title=request.message))
            record_event(session, type="sample.note.created", data={"title": "from the event"})
        return probe_pb2.EchoResponse(message=request.message)


@pytest.fixture
def spans() -> Iterator[InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    setup_telemetry("crmkit-tests", span_processors=[SimpleSpanProcessor(exporter)])
    yield exporter
    exporter.clear()


def test_one_trace_spans_http_grpc_outbox_and_consumer(
    db: Database,
    crm_settings: Settings,
    signer: TestSigner,
    tenant_a: uuid.UUID,
    spans: InMemorySpanExporter,
) -> None:
    exchange = f"test.events.{uuid.uuid4().hex[:8]}"
    server = build_server(
        [(probe_pb2_grpc.add_ProbeServiceServicer_to_server, NotingProbe(db))],
        port=0,
        verifier=signer.verifier(),
    )
    server.start()
    router = APIRouter()

    @router.post("/api/v1/probe")
    def probe(_: CurrentPrincipal) -> dict[str, str]:
        with make_channel(f"127.0.0.1:{server.port}") as channel:
            reply = probe_pb2_grpc.ProbeServiceStub(channel).Echo(
                probe_pb2.EchoRequest(message="from the request")
            )
        return {"echo": reply.message}

    app = create_app(title="trace", verifier=signer.verifier(), routers=[router], db=db)
    consumer = make_consumer(db, crm_settings, exchange=exchange)
    consumer.declare_topology()
    try:
        token = signer.mint(tenant_id=tenant_a)
        response = TestClient(app).post(
            "/api/v1/probe", headers={"Authorization": f"Bearer {token}"}
        )
        assert response.json() == {"echo": "from the request"}
        make_relay(db, crm_settings, exchange=exchange).publish_batch()
        with running(consumer.run):
            wait_until(lambda: notes_count(db, tenant_a) == 2, message="event applied")
    finally:
        server.stop(grace_seconds=0)

    finished = spans.get_finished_spans()
    http = one(finished, SpanKind.SERVER, "POST /api/v1/probe")
    grpc_client = one(finished, SpanKind.CLIENT, "/crm.testing.v1.ProbeService/Echo")
    grpc_server = one(finished, SpanKind.SERVER, "/crm.testing.v1.ProbeService/Echo")
    consumed = one(finished, SpanKind.CONSUMER, "sample.note.created process")

    trace_id = http.context.trace_id
    assert {s.context.trace_id for s in (grpc_client, grpc_server, consumed)} == {trace_id}
    assert grpc_server.parent is not None
    assert grpc_server.parent.span_id == grpc_client.context.span_id
    assert consumed.parent is not None
    assert consumed.parent.span_id == grpc_server.context.span_id, (
        "the consumer continues the span that wrote the event to the outbox"
    )


def one(spans: tuple[ReadableSpan, ...], kind: SpanKind, name: str) -> ReadableSpan:
    matching = [s for s in spans if s.kind == kind and s.name == name]
    assert len(matching) == 1, f"{kind} {name!r} in {[(s.kind, s.name) for s in spans]}"
    return matching[0]
