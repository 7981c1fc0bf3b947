"""The demo tenant `make up` seeds: slug `demo`, admin `admin@demo.example`.

It signs up like any tenant (the other services provision it through the saga once their
consumers run), and seeding again changes nothing.
"""

import os
import uuid
from dataclasses import dataclass

from crm_identity.db import new_tenant_transaction
from crm_identity.keys.service import utcnow
from crm_identity.settings import get_identity_settings
from crm_identity.streams import STREAMS
from crm_identity.tenants import repository as tenants
from crm_identity.tenants import service
from crmkit.db import Database

DEMO_SLUG = "demo"
DEMO_ADMIN = "admin@demo.example"
DEFAULT_PASSWORD = "demo-Passw0rd!"  # noqa: S105 - the documented demo login


@dataclass(frozen=True)
class DemoTenant:
    tenant_id: uuid.UUID
    slug: str
    admin_email: str
    password: str
    created: bool


def seed_demo_tenant(*, db: Database | None = None) -> DemoTenant:
    """Sign up the demo tenant unless it exists; the password is `CRM_DEMO_PASSWORD`."""
    password = os.environ.get("CRM_DEMO_PASSWORD") or DEFAULT_PASSWORD
    if db is None:
        from crm_identity.definition import DEFINITION
        from crmkit.service import open_database
        from crmkit.settings import get_settings

        db = open_database(DEFINITION, get_settings())
    with db.platform_session() as session:
        existing = tenants.by_slug(session, DEMO_SLUG)
    if existing is not None:
        demo = DemoTenant(existing.id, DEMO_SLUG, DEMO_ADMIN, password, created=False)
    else:
        tenant_id = uuid.uuid4()
        with new_tenant_transaction(db, tenant_id) as session:
            service.sign_up(
                session,
                tenant_id=tenant_id,
                form=service.SignUp(
                    company_name="Demo Company",
                    slug=DEMO_SLUG,
                    admin_email=DEMO_ADMIN,
                    admin_password=password,
                    admin_name="Demo Admin",
                    locale="en",
                ),
                streams=STREAMS,
                settings=get_identity_settings(),
                now=utcnow(),
            )
        demo = DemoTenant(tenant_id, DEMO_SLUG, DEMO_ADMIN, password, created=True)
    print(  # noqa: T201 - the command's output is the demo login
        f"demo tenant '{demo.slug}': sign in as {demo.admin_email} / {demo.password}", flush=True
    )
    return demo
