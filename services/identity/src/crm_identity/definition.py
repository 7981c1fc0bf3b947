"""How the identity service runs: its ports, migrations, routes, gRPC servicers and handlers."""

from fastapi import APIRouter

from crm_identity.access.rpc import registrations
from crm_identity.audit.events import handlers as audit_handlers
from crm_identity.keys.verifier import make_identity_verifier
from crm_identity.streams import STREAMS
from crm_identity.tenants.events import handlers as saga_handlers
from crmkit.service import ServiceDefinition


def routers() -> list[APIRouter]:
    from crm_identity.apikeys.api import router as api_keys
    from crm_identity.audit.api import router as audit
    from crm_identity.auth.api import router as auth
    from crm_identity.keys.api import router as keys
    from crm_identity.org.api import router as org
    from crm_identity.portal.api import router as portal
    from crm_identity.roles.api import router as roles
    from crm_identity.tenants.api import router as tenants
    from crm_identity.users.api import router as users

    return [tenants, keys, auth, users, org, roles, api_keys, portal, audit]


DEFINITION = ServiceDefinition(
    name="identity",
    streams=STREAMS,
    http_port=8101,
    grpc_port=9101,
    routers=routers,
    grpc_servicers=registrations,
    event_handlers=lambda _db: [*saga_handlers(), *audit_handlers()],
    jobs_module="crm_identity.jobs",
    verifier=make_identity_verifier,
)
