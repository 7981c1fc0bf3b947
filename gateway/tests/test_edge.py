"""Request ids, trace context, rate limits, body size, CORS and security headers."""

import re
import socket
from collections.abc import Iterator

import httpx
from _pytest.monkeypatch import MonkeyPatch
from gateway_testkit import TENANT_A, TENANT_B, MakeGateway, Upstreams, bearer
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from crm_gateway.app import FILE_FRAMING_BYTES
from crm_gateway.settings import GatewaySettings
from crmkit.limits import FILE_MAX_BYTES, MIB
from crmkit.testing.tokens import TestSigner

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"


def test_request_id_is_added_forwarded_and_echoed(
    gateway: str, hits: Upstreams, signer: TestSigner
) -> None:
    token = bearer(signer.mint(tenant_id=TENANT_A))
    generated = httpx.get(f"{gateway}/api/v1/customers", headers=token)
    given = httpx.get(f"{gateway}/api/v1/customers", headers={**token, "X-Request-Id": "abc-1"})
    bogus = httpx.get(
        f"{gateway}/api/v1/customers", headers={**token, "X-Request-Id": "<script>" * 40}
    )
    refused = httpx.get(f"{gateway}/api/v1/customers")
    assert re.fullmatch(r"[0-9a-f]{32}", generated.headers["x-request-id"])
    assert given.headers["x-request-id"] == "abc-1"
    assert re.fullmatch(r"[0-9a-f]{32}", bogus.headers["x-request-id"])
    assert refused.headers["x-request-id"]
    seen = [hit.headers["x-request-id"] for hit in hits.of("customers")]
    assert seen == [r.headers["x-request-id"] for r in (generated, given, bogus)]


def test_traceparent_reaches_the_upstream(
    gateway: str, hits: Upstreams, signer: TestSigner
) -> None:
    response = httpx.get(
        f"{gateway}/api/v1/customers",
        headers={
            **bearer(signer.mint(tenant_id=TENANT_A)),
            "traceparent": f"00-{TRACE_ID}-00f067aa0ba902b7-01",
        },
    )
    assert response.status_code == 200
    (hit,) = hits.of("customers")
    assert hit.headers["traceparent"].split("-")[1] == TRACE_ID


def test_gateway_starts_a_trace_the_upstream_joins(
    make_gateway: MakeGateway, hits: Upstreams, signer: TestSigner
) -> None:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    gateway = make_gateway(tracer_provider=provider)
    httpx.get(f"{gateway}/api/v1/customers", headers=bearer(signer.mint(tenant_id=TENANT_A)))
    (hit,) = hits.of("customers")
    _, trace_id, parent_span, _ = hit.headers["traceparent"].split("-")
    spans = exporter.get_finished_spans()
    assert {format(span.context.trace_id, "032x") for span in spans} == {trace_id}
    assert parent_span in {format(span.context.span_id, "016x") for span in spans}


def test_rate_limits_answer_429_with_retry_after_and_are_stricter_on_auth(
    make_gateway: MakeGateway, hits: Upstreams, signer: TestSigner
) -> None:
    gateway = make_gateway(rate_ip_per_minute=5, rate_auth_ip_per_minute=2)
    logins = [httpx.post(f"{gateway}/api/v1/auth/login", json={}) for _ in range(3)]
    assert [r.status_code for r in logins] == [200, 200, 429]
    limited = logins[-1]
    assert limited.headers["content-type"] == "application/problem+json"
    assert limited.json()["code"] == "rate_limited"
    assert 1 <= int(limited.headers["retry-after"]) <= 30
    token = bearer(signer.mint(tenant_id=TENANT_A))
    calls = [httpx.get(f"{gateway}/api/v1/customers", headers=token) for _ in range(6)]
    assert [r.status_code for r in calls] == [200] * 5 + [429]
    assert int(calls[-1].headers["retry-after"]) >= 1
    assert len(hits.of("customers")) == 5
    assert len(hits.of("identity")) == 2


def test_rate_limit_per_tenant(make_gateway: MakeGateway, signer: TestSigner) -> None:
    gateway = make_gateway(rate_tenant_per_minute=3)
    a = bearer(signer.mint(tenant_id=TENANT_A))
    b = bearer(signer.mint(tenant_id=TENANT_B))
    a_calls = [httpx.get(f"{gateway}/api/v1/customers", headers=a).status_code for _ in range(4)]
    assert a_calls == [200, 200, 200, 429]
    assert httpx.get(f"{gateway}/api/v1/customers", headers=b).status_code == 200


def test_oversized_bodies_are_413_with_or_without_content_length(
    make_gateway: MakeGateway, hits: Upstreams, signer: TestSigner
) -> None:
    gateway = make_gateway(max_body_bytes=100_000)
    token = bearer(signer.mint(tenant_id=TENANT_A))

    def chunks(total: int) -> Iterator[bytes]:
        for _ in range(total // 10_000):
            yield b"x" * 10_000

    declared = httpx.post(f"{gateway}/api/v1/leads", content=b"x" * 100_001, headers=token)
    streamed = httpx.post(f"{gateway}/api/v1/leads", content=chunks(300_000), headers=token)
    assert declared.status_code == 413
    assert streamed.status_code == 413
    assert streamed.headers["content-type"] == "application/problem+json"
    assert streamed.json()["code"] == "payload_too_large"
    assert hits.of("sales") == []
    at_limit = httpx.post(f"{gateway}/api/v1/leads", content=chunks(100_000), headers=token)
    assert at_limit.status_code == 200
    assert at_limit.json()["bytes"] == 100_000
    assert [len(hit.body) for hit in hits.of("sales")] == [100_000]


def test_upload_resources_take_larger_bodies(
    make_gateway: MakeGateway, hits: Upstreams, signer: TestSigner
) -> None:
    gateway = make_gateway(max_body_bytes=100_000, upload_max_body_bytes=300_000)
    token = bearer(signer.mint(tenant_id=TENANT_A))
    body = b"x" * 200_000
    assert httpx.post(f"{gateway}/api/v1/customers", content=body, headers=token).status_code == 413
    imported = httpx.post(f"{gateway}/api/v1/imports", content=body, headers=token)
    assert imported.status_code == 200
    assert [len(hit.body) for hit in hits.of("customers")] == [200_000]
    too_big = httpx.post(f"{gateway}/api/v1/imports", content=b"x" * 300_001, headers=token)
    assert too_big.status_code == 413


def _declared_only(gateway: str, path: str, length: int, token: dict[str, str]) -> httpx.Response:
    """A request announcing `length` body bytes and sending none: the gateway answers from
    the headers (no need to push 100 MB through a test)."""
    url = httpx.URL(gateway)
    headers = "".join(f"{k}: {v}\r\n" for k, v in token.items())
    request = (
        f"PUT {path} HTTP/1.1\r\nHost: {url.host}:{url.port}\r\n{headers}"
        f"Content-Length: {length}\r\nConnection: close\r\n\r\n"
    )
    with socket.create_connection((url.host, url.port or 80), timeout=10) as connection:
        connection.sendall(request.encode())
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    content_type = re.search(rb"(?im)^content-type: *([^\r\n]+)", head)
    return httpx.Response(
        status,
        content=body,
        headers={"content-type": content_type.group(1).decode() if content_type else ""},
    )


def test_file_uploads_may_be_as_large_as_the_files_service_keeps(
    make_gateway: MakeGateway, hits: Upstreams, signer: TestSigner, monkeypatch: MonkeyPatch
) -> None:
    # The default limits (imports 60 MB, files FILE_MAX_BYTES); time enough to pass 61 MB on.
    # The test's files service is down on purpose: an echoing upstream stands in for it.
    services = {**hits.urls, "files": hits.urls["customers"]}
    gateway = make_gateway(services=services, upstream_timeout_seconds=30.0)
    token = bearer(signer.mint(tenant_id=TENANT_A))
    path = "/api/v1/files/0b6c5a58-5c1e-4c55-9a43-0f6d8b1f7c11/content"

    def chunks(total: int) -> Iterator[bytes]:
        for _ in range(total // MIB):
            yield b"x" * MIB

    accepted = httpx.put(f"{gateway}{path}", content=chunks(61 * MIB), headers=token, timeout=60)
    assert accepted.status_code == 200, accepted.text
    assert [len(hit.body) for hit in hits.of("customers")] == [61 * MIB]
    # Past the files service's largest file (and the framing allowed around it): refused
    # from the headers, before the service sees a byte, naming the limit.
    limit = FILE_MAX_BYTES + FILE_FRAMING_BYTES
    refused = _declared_only(gateway, path, limit + 1, token)
    assert refused.status_code == 413
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["code"] == "payload_too_large"
    assert refused.json()["limit"] == limit
    assert len(hits.of("customers")) == 1
    assert str(limit) in refused.json()["detail"]
    # Imports keep their own, smaller limit.
    assert _declared_only(gateway, "/api/v1/imports", 61 * MIB, token).status_code == 413
    # One setting: the gateway reads the files service's own variable.
    monkeypatch.setenv("CRM_FILES_MAX_FILE_BYTES", str(200 * MIB))
    assert GatewaySettings().file_max_bytes == 200 * MIB


def test_security_headers_on_every_response(gateway: str, signer: TestSigner) -> None:
    token = bearer(signer.mint(tenant_id=TENANT_A))
    for response in (
        httpx.get(f"{gateway}/api/v1/customers", headers=token),
        httpx.get(f"{gateway}/api/v1/customers"),
        httpx.get(f"{gateway}/api/v1/unknown", headers=token),
        httpx.get(f"{gateway}/healthz"),
    ):
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["referrer-policy"] == "no-referrer"
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
        assert "default-src 'none'" in response.headers["content-security-policy"]
        assert "strict-transport-security" not in response.headers


def test_hsts_only_when_a_trusted_proxy_says_https(make_gateway: MakeGateway) -> None:
    behind = make_gateway(trusted_proxy_hops=1)
    direct = make_gateway()
    https = {"X-Forwarded-Proto": "https"}
    assert (
        "max-age="
        in httpx.get(f"{behind}/healthz", headers=https).headers["strict-transport-security"]
    )
    assert "strict-transport-security" not in httpx.get(f"{direct}/healthz", headers=https).headers


def test_trusted_proxy_hops_decide_the_client_address(
    make_gateway: MakeGateway, hits: Upstreams, signer: TestSigner
) -> None:
    gateway = make_gateway(trusted_proxy_hops=1, rate_ip_per_minute=1)
    token = bearer(signer.mint(tenant_id=TENANT_A))
    first = httpx.get(
        f"{gateway}/api/v1/customers", headers={**token, "X-Forwarded-For": "9.9.9.9, 1.2.3.4"}
    )
    other_client = httpx.get(
        f"{gateway}/api/v1/customers", headers={**token, "X-Forwarded-For": "5.6.7.8"}
    )
    same_client = httpx.get(
        f"{gateway}/api/v1/customers", headers={**token, "X-Forwarded-For": "7.7.7.7, 1.2.3.4"}
    )
    assert [first.status_code, other_client.status_code, same_client.status_code] == [
        200,
        200,
        429,
    ]
    assert hits.of("customers")[0].headers["x-forwarded-for"] == "1.2.3.4, 127.0.0.1"


def test_cors_for_allowed_origins_only(make_gateway: MakeGateway, signer: TestSigner) -> None:
    gateway = make_gateway(cors_origins=["https://app.crm.test"])
    preflight = {
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization,content-type,idempotency-key",
    }
    allowed = httpx.options(
        f"{gateway}/api/v1/customers", headers={"Origin": "https://app.crm.test", **preflight}
    )
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == "https://app.crm.test"
    assert "POST" in allowed.headers["access-control-allow-methods"]
    denied = httpx.options(
        f"{gateway}/api/v1/customers", headers={"Origin": "https://evil.test", **preflight}
    )
    assert "access-control-allow-origin" not in denied.headers
    simple = httpx.get(
        f"{gateway}/api/v1/customers",
        headers={"Origin": "https://app.crm.test", **bearer(signer.mint(tenant_id=TENANT_A))},
    )
    assert simple.headers["access-control-allow-origin"] == "https://app.crm.test"
    assert "x-request-id" in simple.headers["access-control-expose-headers"].lower()
    refused = httpx.get(f"{gateway}/api/v1/customers", headers={"Origin": "https://app.crm.test"})
    assert refused.status_code == 401
    assert refused.headers["access-control-allow-origin"] == "https://app.crm.test"
