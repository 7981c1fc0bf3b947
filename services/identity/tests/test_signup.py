"""Sign-up and the provisioning saga: a tenant is active once every configured service has
answered, failed (naming the service) after the time-out, and can be retried."""

from datetime import timedelta

from fastapi.testclient import TestClient
from identity_testkit import PASSWORD, Org, provisioned, unique_slug
from sqlalchemy import select

from crm_identity.keys.service import utcnow
from crm_identity.settings import get_identity_settings
from crm_identity.tenants import service as tenants
from crmkit.db import Database
from crmkit.events.consumer import EventConsumer
from crmkit.events.models import OutboxRecord
from crmkit.registry import TenantRecord

SERVICES = ("identity", "customers", "sales", "service-desk", "files", "search")


def events_of(db: Database, tenant_id: str) -> list[str]:
    with db.platform_session() as session:
        rows = session.scalars(
            select(OutboxRecord.routing_key)
            .where(OutboxRecord.tenant_id == tenant_id)
            .order_by(OutboxRecord.id)
        )
        return list(rows)


def registry_status(db: Database, tenant_id: str) -> str:
    with db.platform_session() as session:
        return str(
            session.scalars(select(TenantRecord.status).where(TenantRecord.id == tenant_id)).one()
        )


def test_two_tenants_sign_up_and_become_active_when_every_service_answers(
    client: TestClient, consumer: EventConsumer, db: Database
) -> None:
    assert get_identity_settings().required_services == SERVICES
    acme = Org.start_sign_up(client, "acme")
    globex = Org.start_sign_up(client, "globex")
    for org in (acme, globex):
        status = org.status()
        assert status["status"] == "provisioning"
        assert status["services"] == {
            s: ("done" if s == "identity" else "pending") for s in SERVICES
        }
        assert events_of(db, org.tenant_id)[-1] == "identity.tenant.created"

    for service in SERVICES[1:-1]:
        consumer.process(provisioned(service, acme.tenant_id))
    assert acme.status()["status"] == "provisioning", "search has not answered yet"
    assert globex.status()["services"]["customers"] == "pending", "acme's answers are acme's"
    consumer.process(provisioned("search", acme.tenant_id))
    assert acme.status()["status"] == "active"
    assert registry_status(db, acme.tenant_id) == "active"
    assert globex.status()["status"] == "provisioning"
    assert registry_status(db, globex.tenant_id) == "provisioning"
    assert "identity.tenant.activated" in events_of(db, acme.tenant_id)

    login = {"tenant": globex.slug, "email": globex.admin_email, "password": PASSWORD}
    assert client.post("/api/v1/auth/login", json=login).status_code == 401, "not active yet"


def test_identitys_own_consumer_answers_the_announcement(
    client: TestClient, consumer: EventConsumer, db: Database
) -> None:
    org = Org.start_sign_up(client, "initech")
    with db.platform_session() as session:
        envelope = session.scalars(
            select(OutboxRecord.envelope).where(
                OutboxRecord.tenant_id == org.tenant_id,
                OutboxRecord.routing_key == "identity.tenant.created",
            )
        ).one()
    from crmkit.events.envelope import CloudEvent

    assert consumer.process(CloudEvent.from_dict(envelope)) is True
    assert events_of(db, org.tenant_id)[-1] == "identity.tenant.provisioned"


def test_a_silent_service_fails_the_tenant_after_the_time_out_and_retry_recovers(
    client: TestClient, consumer: EventConsumer, db: Database
) -> None:
    settings = get_identity_settings()
    slow = Org.start_sign_up(client, "slow")
    quick = Org.start_sign_up(client, "quick")
    for service in SERVICES:
        if service != "files":
            consumer.process(provisioned(service, slow.tenant_id))

    with db.platform_transaction() as session:
        just_before = utcnow() + timedelta(seconds=settings.provisioning_timeout_seconds - 5)
        assert slow.tenant_id not in {
            str(t) for t in tenants.fail_overdue(session, settings=settings, now=just_before)
        }
    assert slow.status()["status"] == "provisioning"

    with db.platform_transaction() as session:
        later = utcnow() + timedelta(seconds=settings.provisioning_timeout_seconds + 1)
        tenants.fail_overdue(session, settings=settings, now=later)
    status = slow.status()
    assert status["status"] == "failed"
    assert status["services"]["files"] == "failed"
    assert status["services"]["customers"] == "done"
    assert "files.tenant.provisioned" in status["reasons"]["files"]
    assert registry_status(db, slow.tenant_id) == "failed"
    assert quick.status()["status"] == "failed", "every overdue tenant fails, each on its own"
    assert set(quick.status()["reasons"]) == set(SERVICES) - {"identity"}

    retried = client.post(f"/api/v1/signup/{slow.slug}/retry")
    assert retried.status_code == 202
    assert slow.status()["status"] == "provisioning"
    assert slow.status()["services"]["files"] == "pending"
    assert events_of(db, slow.tenant_id)[-1] == "identity.tenant.created", "announced again"
    assert client.post(f"/api/v1/signup/{slow.slug}/retry").status_code == 409

    consumer.process(provisioned("files", slow.tenant_id))
    assert slow.status()["status"] == "active"
    assert quick.status()["status"] == "failed"


def test_a_taken_slug_is_409_and_bad_input_422_naming_the_field(
    client: TestClient, acme: Org
) -> None:
    form = {
        "company_name": "Copy",
        "slug": acme.slug,
        "admin_email": "a@copy.example",
        "admin_password": PASSWORD,
        "admin_name": "A",
        "locale": "zh-CN",
    }
    assert client.post("/api/v1/signup", json=form).status_code == 409
    for field, value in (
        ("admin_password", "short"),
        ("admin_password", "alllowercaseletters"),
        ("slug", "Bad Slug!"),
        ("slug", "admin"),
        ("admin_email", "not-an-email"),
        ("locale", "fr"),
    ):
        response = client.post(
            "/api/v1/signup", json={**form, "slug": unique_slug("new"), field: value}
        )
        assert response.status_code == 422, (field, value, response.text)
        assert response.headers["content-type"] == "application/problem+json"
        assert field in [e["field"] for e in response.json()["errors"]]
    assert client.get("/api/v1/signup/no-such-tenant").status_code == 404
