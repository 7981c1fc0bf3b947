"""Real servers for gateway tests: small upstreams built with `crmkit.http.create_app`
(verifying tokens like every service), identity's JWKS and slug lookup, and the gateway
itself, each served by uvicorn on a free local port."""

import asyncio
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
import uvicorn
from fastapi import APIRouter, FastAPI, Request
from pydantic import BaseModel, create_model

from crmkit.auth import current_principal_or_none
from crmkit.errors import NotFound
from crmkit.http import create_app
from crmkit.testing.tokens import TestSigner

TENANT_A = uuid.UUID("aaaaaaaa-0000-4000-8000-00000000000a")
TENANT_B = uuid.UUID("bbbbbbbb-0000-4000-8000-00000000000b")
SLUGS = {"acme": TENANT_A, "globex": TENANT_B}
BASE_DOMAIN = "crm.test"
ROUTES = {
    "signup": "identity",
    "auth": "identity",
    "me": "identity",
    "portal": "identity",
    "portal/tickets": "sales",
    "customers": "customers",
    "imports": "customers",
    "leads": "sales",
    "slow": "sales",
    "files": "files",
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serve(app: Any) -> Iterator[str]:
    port = free_port()
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_level="error", proxy_headers=False
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("server did not start")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


MakeGateway = Callable[..., str]


@dataclass
class Hit:
    service: str
    method: str
    path: str
    query: str
    headers: httpx.Headers
    body: bytes
    tenant: str | None


@dataclass
class Upstreams:
    urls: dict[str, str]
    hits: list[Hit] = field(default_factory=list)

    def of(self, service: str) -> list[Hit]:
        return [hit for hit in self.hits if hit.service == service]


class Customer(BaseModel):
    id: str
    name: str


class Money(BaseModel):
    """Defined alike by two services: kept once in the merged document."""

    amount: int
    currency: str


# Two services each call a different shape `Item`: the merged document must keep both.
CustomersItem = create_model("Item", sku=(str, ...))
SalesItem = create_model("Item", amount=(int, ...))


def upstream_app(name: str, signer: TestSigner, hits: list[Hit]) -> FastAPI:
    router = APIRouter()

    if name == "identity":

        @router.get("/.well-known/jwks.json", include_in_schema=False)
        def jwks() -> dict[str, Any]:
            return signer.jwks()

        @router.get("/api/v1/signup/{slug}", tags=["signup"])
        def signup_status(slug: str, request: Request) -> Any:
            hits.append(_hit(name, request, b""))
            if slug not in SLUGS:
                raise NotFound(f"no tenant {slug}")
            return {"slug": slug, "status": "active", "tenant_id": str(SLUGS[slug])}

    if name == "customers":

        @router.get("/api/v1/customers/{customer_id}", tags=["customers"])
        def get_customer(customer_id: str) -> Customer:
            return Customer(id=customer_id, name="x")

        @router.get("/api/v1/customers/{customer_id}/items", tags=["customers"])
        def customer_items(customer_id: str) -> list[CustomersItem]:
            return []

        @router.get("/api/v1/customers/{customer_id}/total", tags=["customers"])
        def customer_total(customer_id: str) -> Money:
            return Money(amount=0, currency="CNY")

        @router.get("/api/v1/internal-only", tags=["internal"])
        def not_routed_here() -> dict[str, str]:
            return {}

    if name == "sales":

        @router.get("/api/v1/leads/{lead_id}/items", tags=["leads"])
        def lead_items(lead_id: str) -> list[SalesItem]:
            return []

        @router.get("/api/v1/leads/{lead_id}/total", tags=["leads"])
        def lead_total(lead_id: str) -> Money:
            return Money(amount=0, currency="CNY")

    @router.api_route(
        "/api/v1/{path:path}",
        methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
        include_in_schema=False,
    )
    async def record(path: str, request: Request) -> dict[str, Any]:
        body = await request.body()
        hit = _hit(name, request, body)
        hits.append(hit)
        if path.startswith("slow"):
            await asyncio.sleep(3)
        return {"service": name, "path": request.url.path, "tenant": hit.tenant, "bytes": len(body)}

    return create_app(title=name, verifier=signer.verifier(), routers=[router])


def _hit(name: str, request: Request, body: bytes) -> Hit:
    principal = current_principal_or_none()
    tenant = principal.tenant_id if principal is not None else None
    return Hit(
        service=name,
        method=request.method,
        path=request.url.path,
        query=request.url.query,
        headers=httpx.Headers(request.headers.raw),
        body=body,
        tenant=str(tenant) if tenant else None,
    )


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
