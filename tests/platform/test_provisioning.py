"""Every service provisions a new tenant's schema when identity announces the tenant, and
answers `<service>.tenant.provisioned`; a redelivered announcement changes nothing."""

import uuid
from collections.abc import Callable

import pytest
from sqlalchemy import delete, inspect, select

from crm_customers.definition import DEFINITION as CUSTOMERS
from crm_files.definition import DEFINITION as FILES
from crm_identity.definition import DEFINITION as IDENTITY
from crm_sales.definition import DEFINITION as SALES
from crm_search.definition import DEFINITION as SEARCH
from crm_service_desk.definition import DEFINITION as SERVICE_DESK
from crmkit.db import Database
from crmkit.events.envelope import CloudEvent
from crmkit.events.models import OutboxRecord
from crmkit.migrations import MigrationStreams
from crmkit.registry import TenantRecord
from crmkit.service import ServiceDefinition, make_consumer
from crmkit.settings import Settings
from crmkit.tenancy import schema_for

SERVICES = [IDENTITY, CUSTOMERS, SALES, SERVICE_DESK, FILES, SEARCH]


def tenant_created(tenant_id: uuid.UUID) -> CloudEvent:
    return CloudEvent(
        type="identity.tenant.created",
        source="/crm/identity",
        tenantid=str(tenant_id),
        data={"id": str(tenant_id), "slug": f"acme-{tenant_id.hex[:6]}"},
    )


@pytest.mark.parametrize("definition", SERVICES, ids=lambda d: d.name)
def test_a_new_tenant_gets_its_own_schema_in_every_service(
    definition: ServiceDefinition,
    make_database: Callable[[str, MigrationStreams], Database],
    crm_settings: Settings,
) -> None:
    db = make_database(definition.name, definition.streams)
    consumer = make_consumer(definition, db, crm_settings)
    acme, globex = uuid.uuid4(), uuid.uuid4()
    with db.engine.begin() as connection:
        connection.execute(delete(OutboxRecord))

    announcement = tenant_created(acme)
    assert consumer.process(announcement) is True
    assert consumer.process(tenant_created(globex)) is True
    assert consumer.process(announcement) is False, "a redelivery changes nothing"

    schemas = set(inspect(db.engine).get_schema_names())
    assert {schema_for(acme), schema_for(globex)} <= schemas
    with db.platform_session() as session:
        registered = set(session.scalars(select(TenantRecord.id)))
        answers = session.scalars(select(OutboxRecord.envelope)).all()
    assert {acme, globex} <= registered
    assert sorted((a["type"], a["tenantid"]) for a in answers) == sorted(
        [
            (f"{definition.name}.tenant.provisioned", str(acme)),
            (f"{definition.name}.tenant.provisioned", str(globex)),
        ]
    )
