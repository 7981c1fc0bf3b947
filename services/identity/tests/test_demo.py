"""The demo seed signs up `demo` once; seeding again changes nothing."""

import pytest
from fastapi.testclient import TestClient
from identity_testkit import Org, provisioned

from crm_identity.demo import DEMO_ADMIN, seed_demo_tenant
from crm_identity.settings import get_identity_settings
from crmkit.db import Database
from crmkit.events.consumer import EventConsumer


def test_the_demo_tenant_is_seeded_once_and_its_admin_signs_in(
    db: Database, client: TestClient, consumer: EventConsumer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CRM_DEMO_PASSWORD", "Dem0-password!")
    first = seed_demo_tenant(db=db)
    again = seed_demo_tenant(db=db)
    assert first.created
    assert not again.created
    assert again.tenant_id == first.tenant_id
    demo = Org(client, "demo", str(first.tenant_id), DEMO_ADMIN)
    assert demo.status()["status"] == "provisioning"
    for service in get_identity_settings().required_services:
        consumer.process(provisioned(service, demo.tenant_id))
    demo.login("admin", DEMO_ADMIN, "Dem0-password!")
    assert demo.get("/api/v1/me").json()["tenant"]["slug"] == "demo"
