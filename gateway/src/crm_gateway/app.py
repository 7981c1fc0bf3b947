"""The gateway app. So far: liveness and readiness over the services it fronts."""

from collections.abc import Mapping

import httpx
from fastapi import FastAPI
from fastapi.responses import JSONResponse

from crm_gateway.routes import service_urls


def create_gateway(services: Mapping[str, str] | None = None) -> FastAPI:
    upstreams = dict(services if services is not None else service_urls())
    app = FastAPI(title="CRM gateway")

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz", include_in_schema=False)
    def readyz() -> JSONResponse:
        """Ready when every upstream answers its own readiness; names those that do not."""
        down: dict[str, str] = {}
        with httpx.Client(timeout=2.0) as client:
            for name, base in upstreams.items():
                try:
                    response = client.get(f"{base}/readyz")
                    if response.status_code != 200:
                        down[name] = f"readyz answered {response.status_code}"
                except httpx.HTTPError as exc:
                    down[name] = type(exc).__name__
        return JSONResponse({"ready": not down, "down": down}, status_code=503 if down else 200)

    return app
