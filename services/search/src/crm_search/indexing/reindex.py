"""Re-indexing one tenant from the owning services' gRPC streams while events keep
arriving: every streamed record is written with its own version (`external`), so a record
changed during the stream keeps whichever of the two is newer and nothing is lost. A new
mapping is rolled out by `store.ensure_indices` (new index, copy, alias switch, copy again).
"""

import json
from collections.abc import Callable, Iterable
from typing import Any

from opensearchpy import OpenSearch

from crm_search.indexing.events import Indexer
from crm_search.indexing.registry import CUSTOMER
from crmkit.grpc.client import call_errors, make_channel

_CUSTOMER_FIELDS = (
    "id",
    "kind",
    "name",
    "short_name",
    "website",
    "province",
    "city",
    "district",
    "street",
    "industry",
    "scale",
    "source",
    "level",
    "status",
    "owner_id",
    "department_id",
    "credit_rating",
    "birthday",
    "notes",
    "created_at",
    "updated_at",
)


def customer_data(message: Any) -> dict[str, Any]:
    """A streamed `crm.customers.v1.Customer` in the shape of the customers events' data."""
    data: dict[str, Any] = {k: getattr(message, k) or None for k in _CUSTOMER_FIELDS}
    data.update(
        phones=list(message.phones),
        emails=list(message.emails),
        tags=list(message.tags),
        collaborator_ids=list(message.collaborator_ids),
        custom=json.loads(message.custom_json or "{}"),
        version=int(message.version),
    )
    return data


def contact_data(message: Any) -> dict[str, Any]:
    """A streamed `crm.customers.v1.Contact` in the shape of the contact events' data."""
    data: dict[str, Any] = {
        k: getattr(message, k) or None
        for k in ("id", "customer_id", "name", "title", "role", "email", "wechat", "notes")
    }
    data.update(
        phones=list(message.phones),
        birthday=message.birthday or None,
        is_primary=bool(message.is_primary),
        custom=json.loads(message.custom_json or "{}"),
        version=int(message.version),
    )
    return data


def stream_customers(target: str, *, token: str) -> Iterable[Any]:
    """The tenant's live customers from customers' `StreamCustomers` (a service token)."""
    from crm_proto.crm.customers.v1 import customers_pb2, customers_pb2_grpc

    stub = customers_pb2_grpc.CustomersServiceStub(make_channel(target))
    with call_errors():
        for response in stub.StreamCustomers(
            customers_pb2.StreamCustomersRequest(),
            metadata=(("authorization", f"Bearer {token}"),),
            timeout=3600,
        ):
            yield response.customer


def stream_contacts(target: str, *, token: str) -> Iterable[Any]:
    """The tenant's live contacts from customers' `StreamContacts` (a service token)."""
    from crm_proto.crm.customers.v1 import customers_pb2, customers_pb2_grpc

    stub = customers_pb2_grpc.CustomersServiceStub(make_channel(target))
    with call_errors():
        for response in stub.StreamContacts(
            customers_pb2.StreamContactsRequest(),
            metadata=(("authorization", f"Bearer {token}"),),
            timeout=3600,
        ):
            yield response.contact


def reindex_tenant(
    client: Callable[[], OpenSearch],
    *,
    tenant_id: str,
    customers: Iterable[Any],
    contacts: Iterable[Any] = (),
) -> int:
    """Write every streamed customer (refreshing its contacts' copies), then every streamed
    contact (after the customers, so each finds its customer's document); returns how many
    customers were newer than what the index held."""
    indexer = Indexer(client)
    written = 0
    for message in customers:
        data = customer_data(message)
        if indexer.plain(CUSTOMER, tenant_id, data, "updated"):
            written += 1
        indexer.refresh_contacts(tenant_id, str(data["id"]))
    for message in contacts:
        indexer.contact(tenant_id, contact_data(message), "updated")
    return written
