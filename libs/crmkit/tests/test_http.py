"""The HTTP edge: tenant from the verified token only, problem+json errors naming the
field, and one transaction per request that commits only when the endpoint succeeds."""

import uuid
from typing import Annotated

import pytest
from fastapi import APIRouter, Header
from fastapi.testclient import TestClient
from pydantic import BaseModel, Field
from sqlalchemy import select

from crmkit.auth import Principal, PrincipalKind
from crmkit.db import Database
from crmkit.errors import Conflict
from crmkit.http import CurrentPrincipal, Require, TenantSession, create_app
from crmkit.tenancy import current_tenant, tenant_context
from crmkit.testing.tokens import TestSigner

from .sample.models import Note


class NoteIn(BaseModel):
    title: str = Field(min_length=1, max_length=200)


def notes_router() -> APIRouter:
    router = APIRouter(prefix="/api/v1/notes")

    @router.post("", status_code=201)
    def create(body: NoteIn, session: TenantSession) -> dict[str, str]:
        note = Note(title=body.title)
        session.add(note)
        session.flush()
        if body.title == "fail after write":
            raise Conflict("refused after the row was written")
        return {"id": str(note.id), "tenant": str(current_tenant())}

    @router.get("")
    def list_notes(session: TenantSession, who: CurrentPrincipal) -> dict[str, object]:
        return {"titles": sorted(session.scalars(select(Note.title))), "who": who.subject}

    @router.post("/export")
    def export(_: Annotated[Principal, Require("notes:export")]) -> dict[str, bool]:
        return {"exported": True}

    @router.get("/echo-tenant")
    def echo(x_tenant_id: Annotated[str | None, Header()] = None) -> dict[str, str]:
        return {"tenant": str(current_tenant())}

    return router


@pytest.fixture
def client(db: Database, signer: TestSigner) -> TestClient:
    app = create_app(title="notes", verifier=signer.verifier(), routers=[notes_router()], db=db)
    return TestClient(app, raise_server_exceptions=False)


def auth(signer: TestSigner, tenant: uuid.UUID, **claims: object) -> dict[str, str]:
    return {"Authorization": f"Bearer {signer.mint(tenant_id=tenant, **claims)}"}  # type: ignore[arg-type]


def test_writes_go_to_the_tenant_of_the_token(
    client: TestClient, signer: TestSigner, tenant_a: uuid.UUID, tenant_b: uuid.UUID
) -> None:
    created = client.post("/api/v1/notes", json={"title": "a1"}, headers=auth(signer, tenant_a))
    assert created.status_code == 201
    assert created.json()["tenant"] == str(tenant_a)
    client.post("/api/v1/notes", json={"title": "b1"}, headers=auth(signer, tenant_b))

    listed = client.get("/api/v1/notes", headers=auth(signer, tenant_b, subject="bob"))
    assert listed.json() == {"titles": ["b1"], "who": "bob"}


def test_a_header_cannot_choose_the_tenant(
    client: TestClient, signer: TestSigner, tenant_a: uuid.UUID, tenant_b: uuid.UUID
) -> None:
    headers = {**auth(signer, tenant_a), "X-Tenant-Id": str(tenant_b)}
    assert client.get("/api/v1/notes/echo-tenant", headers=headers).json() == {
        "tenant": str(tenant_a)
    }


def test_bad_input_is_a_422_problem_naming_the_field(
    client: TestClient, signer: TestSigner, tenant_a: uuid.UUID
) -> None:
    response = client.post("/api/v1/notes", json={"title": ""}, headers=auth(signer, tenant_a))
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["code"] == "invalid_input"
    assert [e["field"] for e in problem["errors"]] == ["title"]
    # A code and its numbers, so a client can say it in the user's language.
    assert problem["errors"][0]["code"] == "string_too_short"
    assert problem["errors"][0]["params"] == {"min_length": 1}

    too_long = client.post(
        "/api/v1/notes", json={"title": "x" * 201}, headers=auth(signer, tenant_a)
    )
    assert too_long.json()["errors"] == [
        {
            "field": "title",
            "reason": "String should have at most 200 characters",
            "code": "string_too_long",
            "params": {"max_length": 200},
        }
    ]


def test_a_failed_request_writes_nothing(
    client: TestClient, signer: TestSigner, db: Database, tenant_a: uuid.UUID
) -> None:
    response = client.post(
        "/api/v1/notes", json={"title": "fail after write"}, headers=auth(signer, tenant_a)
    )
    assert response.status_code == 409
    assert response.json()["code"] == "conflict"
    with tenant_context(tenant_a), db.tenant_session() as session:
        assert session.scalars(select(Note)).all() == []


@pytest.mark.parametrize(
    "make_token",
    [
        pytest.param(lambda s, t: s.mint(tenant_id=t, ttl_seconds=-60), id="expired"),
        pytest.param(lambda s, t: TestSigner().mint(tenant_id=t), id="unknown key"),
        pytest.param(lambda s, t: s.mint(tenant_id=t)[:-4] + "AAAA", id="tampered"),
        pytest.param(lambda s, t: s.mint(tenant_id=t, aud="other"), id="wrong audience"),
    ],
)
def test_bad_tokens_are_refused_with_401(
    client: TestClient, signer: TestSigner, tenant_a: uuid.UUID, make_token: object
) -> None:
    token = make_token(signer, tenant_a)  # type: ignore[operator]
    response = client.get("/api/v1/notes", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"


def test_no_token_no_tenant_data(client: TestClient) -> None:
    response = client.get("/api/v1/notes")
    assert response.status_code == 401


def test_a_missing_permission_is_403(
    client: TestClient, signer: TestSigner, tenant_a: uuid.UUID
) -> None:
    denied = client.post("/api/v1/notes/export", headers=auth(signer, tenant_a))
    assert denied.status_code == 403
    allowed = client.post(
        "/api/v1/notes/export", headers=auth(signer, tenant_a, permissions=["notes:export"])
    )
    assert allowed.json() == {"exported": True}


def test_unknown_tenant_in_a_valid_token_is_404(client: TestClient, signer: TestSigner) -> None:
    response = client.get("/api/v1/notes", headers=auth(signer, uuid.uuid4()))
    assert response.status_code == 404
    assert response.json()["code"] == "tenant_not_found"


def test_health_and_readiness(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["ready"] is True


def test_principal_kind_comes_from_the_token(signer: TestSigner, tenant_a: uuid.UUID) -> None:
    token = signer.mint(tenant_id=tenant_a, kind=PrincipalKind.PORTAL)
    assert signer.verifier().verify(token).kind is PrincipalKind.PORTAL
