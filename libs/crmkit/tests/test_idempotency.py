"""`Idempotency-Key`: a retried write has one effect and gets the first answer back; the
key belongs to its caller and its request."""

import threading
import time
import uuid

from fastapi import APIRouter
from fastapi.testclient import TestClient
from pydantic import BaseModel
from sqlalchemy import func, select

from crmkit.db import Database
from crmkit.errors import Conflict
from crmkit.http import TenantSession, create_app
from crmkit.tenancy import tenant_context
from crmkit.testing.tokens import TestSigner

from .sample.models import Note

slow_down = threading.Event()


class NoteIn(BaseModel):
    title: str


def notes_router() -> APIRouter:
    router = APIRouter(prefix="/api/v1/notes")

    @router.post("", status_code=201)
    def create(body: NoteIn, session: TenantSession) -> dict[str, str]:
        if slow_down.is_set():
            time.sleep(1.0)
        if body.title == "refused":
            raise Conflict("refused")
        note = Note(title=body.title)
        session.add(note)
        session.flush()
        return {"id": str(note.id)}

    return router


def client_for(db: Database, signer: TestSigner) -> TestClient:
    app = create_app(title="notes", verifier=signer.verifier(), routers=[notes_router()], db=db)
    return TestClient(app, raise_server_exceptions=False)


def headers(
    signer: TestSigner, tenant: uuid.UUID, key: str, subject: str = "ann"
) -> dict[str, str]:
    token = signer.mint(tenant_id=tenant, subject=subject)  # type: ignore[arg-type]
    return {"Authorization": f"Bearer {token}", "Idempotency-Key": key}


def notes_titled(db: Database, tenant: uuid.UUID, title: str) -> int:
    with tenant_context(tenant), db.tenant_session() as session:
        return int(session.scalar(select(func.count()).where(Note.title == title)) or 0)


def test_a_retried_create_has_one_effect_and_the_first_answer(
    db: Database, signer: TestSigner, tenant_a: uuid.UUID, tenant_b: uuid.UUID
) -> None:
    client = client_for(db, signer)
    key = uuid.uuid4().hex
    first = client.post(
        "/api/v1/notes", json={"title": "once"}, headers=headers(signer, tenant_a, key)
    )
    again = client.post(
        "/api/v1/notes", json={"title": "once"}, headers=headers(signer, tenant_a, key)
    )
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert notes_titled(db, tenant_a, "once") == 1
    # The key is the caller's: another user, or another tenant, with the same key is new.
    other_user = client.post(
        "/api/v1/notes", json={"title": "once"}, headers=headers(signer, tenant_a, key, "bob")
    )
    other_tenant = client.post(
        "/api/v1/notes", json={"title": "once"}, headers=headers(signer, tenant_b, key)
    )
    assert other_user.json() != first.json()
    assert other_tenant.status_code == 201
    assert notes_titled(db, tenant_a, "once") == 2
    assert notes_titled(db, tenant_b, "once") == 1
    # The same key for another request is refused, naming the header.
    reused = client.post(
        "/api/v1/notes", json={"title": "twice"}, headers=headers(signer, tenant_a, key)
    )
    assert reused.status_code == 422
    assert reused.json()["code"] == "idempotency_key_reused"
    assert reused.json()["errors"][0]["field"] == "Idempotency-Key"
    too_long = client.post(
        "/api/v1/notes", json={"title": "x"}, headers=headers(signer, tenant_a, "k" * 201)
    )
    assert too_long.status_code == 422


def test_refusals_are_kept_and_a_retry_during_the_first_is_409(
    db: Database, signer: TestSigner, tenant_a: uuid.UUID
) -> None:
    client = client_for(db, signer)
    key = uuid.uuid4().hex
    refused = client.post(
        "/api/v1/notes", json={"title": "refused"}, headers=headers(signer, tenant_a, key)
    )
    replayed = client.post(
        "/api/v1/notes", json={"title": "refused"}, headers=headers(signer, tenant_a, key)
    )
    assert refused.status_code == replayed.status_code == 409
    assert replayed.headers["Idempotent-Replayed"] == "true"

    slow = uuid.uuid4().hex
    answers: list[int] = []
    slow_down.set()
    try:
        first = threading.Thread(
            target=lambda: answers.append(
                client.post(
                    "/api/v1/notes", json={"title": "slow"}, headers=headers(signer, tenant_a, slow)
                ).status_code
            )
        )
        first.start()
        time.sleep(0.4)
        during = client.post(
            "/api/v1/notes", json={"title": "slow"}, headers=headers(signer, tenant_a, slow)
        )
        first.join()
    finally:
        slow_down.clear()
    assert answers == [201]
    assert during.status_code == 409
    assert during.json()["code"] == "request_in_progress"
    assert notes_titled(db, tenant_a, "slow") == 1
