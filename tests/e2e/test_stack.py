"""The platform starts as real processes and the gateway sees every service."""

import httpx

from crmkit.testing.stack import SERVICES, Stack


def test_the_gateway_is_ready_when_every_service_is(stack: Stack) -> None:
    response = httpx.get(f"{stack.gateway_url}/readyz", timeout=10)
    assert response.status_code == 200, response.text
    assert response.json()["ready"] is True


def test_readiness_names_a_service_that_goes_down(stack: Stack) -> None:
    files_api = stack.processes["files-api"]
    files_api.terminate()
    files_api.wait(timeout=15)
    try:
        response = httpx.get(f"{stack.gateway_url}/readyz", timeout=10)
        assert response.status_code == 503
        assert "files" in response.json()["down"]
        assert set(response.json()["down"]) <= set(SERVICES)
    finally:
        stack.restart("files-api")
