"""The gateway's readiness names exactly the upstreams that are down."""

import socket
import threading
import time
from collections.abc import Iterator

import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient

from crm_gateway.app import create_gateway


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def live_upstream() -> Iterator[str]:
    app = FastAPI()

    @app.get("/readyz")
    def readyz() -> dict[str, bool]:
        return {"ready": True}

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=5)


def test_readiness_names_the_service_that_is_down(live_upstream: str) -> None:
    gateway = create_gateway(
        {"customers": live_upstream, "sales": f"http://127.0.0.1:{free_port()}"}
    )
    response = TestClient(gateway).get("/readyz")
    assert response.status_code == 503
    assert list(response.json()["down"]) == ["sales"]


def test_ready_when_every_upstream_is(live_upstream: str) -> None:
    gateway = create_gateway({"customers": live_upstream})
    response = TestClient(gateway).get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"ready": True, "down": {}}
