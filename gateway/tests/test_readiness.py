"""The gateway's readiness names exactly the upstreams that are down."""

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from gateway_testkit import free_port, serve

from crm_gateway.app import create_gateway
from crm_gateway.settings import GatewaySettings


@pytest.fixture
def live_upstream() -> Iterator[str]:
    app = FastAPI()

    @app.get("/readyz")
    def readyz() -> dict[str, bool]:
        return {"ready": True}

    with serve(app) as url:
        yield url


def _gateway(services: dict[str, str]) -> FastAPI:
    return create_gateway(settings=GatewaySettings(services=services, routes={}))


def test_readiness_names_the_service_that_is_down(live_upstream: str) -> None:
    gateway = _gateway({"customers": live_upstream, "sales": f"http://127.0.0.1:{free_port()}"})
    with TestClient(gateway) as client:
        response = client.get("/readyz")
    assert response.status_code == 503
    assert list(response.json()["down"]) == ["sales"]


def test_ready_when_every_upstream_is(live_upstream: str) -> None:
    with TestClient(_gateway({"customers": live_upstream})) as client:
        response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"ready": True, "down": {}}


def test_liveness_needs_no_upstream() -> None:
    with TestClient(_gateway({"customers": f"http://127.0.0.1:{free_port()}"})) as client:
        assert client.get("/healthz").json() == {"status": "ok"}
