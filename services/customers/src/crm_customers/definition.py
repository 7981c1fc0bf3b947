"""How the customers service runs: its ports, migrations, routes, gRPC servicers and handlers."""

from fastapi import APIRouter

from crm_customers.customers.rpc import registrations
from crm_customers.insights.events import handlers as insights_handlers
from crm_customers.pools.events import handlers as pools_handlers
from crm_customers.staff.events import handlers as staff_handlers
from crm_customers.streams import STREAMS
from crm_customers.transfers.events import handlers as transfers_handlers
from crmkit.service import ServiceDefinition


def routers() -> list[APIRouter]:
    from crm_customers.contacts.api import router as contacts
    from crm_customers.custom_fields.api import router as custom_fields
    from crm_customers.customers.api import router as customers
    from crm_customers.customers.bulk import router as bulk
    from crm_customers.dictionaries.api import router as dictionaries
    from crm_customers.history.api import router as history
    from crm_customers.insights.api import router as insights
    from crm_customers.pools.api import fixed_paths as pool_statuses
    from crm_customers.pools.api import router as pools
    from crm_customers.transfers.api import router as transfers
    from crm_customers.views.api import router as views

    # Views and insights first: `/customers/views`, `/customers/map`, `/customers/reclaim`
    # must not be read as `/customers/{customer_id}`.
    return [
        views,
        insights,
        pool_statuses,
        bulk,
        customers,
        contacts,
        history,
        dictionaries,
        custom_fields,
        pools,
        transfers,
    ]


DEFINITION = ServiceDefinition(
    name="customers",
    streams=STREAMS,
    http_port=8102,
    grpc_port=9102,
    routers=routers,
    grpc_servicers=registrations,
    # Pools first: only the first matching handler runs, and pools' identity handlers do
    # staff's work too (see crm_customers.pools.events).
    event_handlers=lambda _db: [
        *pools_handlers(),
        *staff_handlers(),
        *transfers_handlers(),
        *insights_handlers(),
    ],
    jobs_module="crm_customers.jobs",
)
