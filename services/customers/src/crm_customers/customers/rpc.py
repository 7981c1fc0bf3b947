"""customers.v1.CustomersService: customers and contacts as the caller may see them, access
checks for files and search, and a tenant's whole stream for re-indexing."""

import json
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

import grpc
from sqlalchemy.orm import Session

from crm_customers.common.access import MODULE, Caller, caller_for
from crm_customers.contacts import repository as contacts
from crm_customers.contacts import service as contact_service
from crm_customers.contacts.schemas import ContactOut
from crm_customers.customers import repository, service
from crm_customers.customers.models import Customer
from crm_customers.customers.schemas import CustomerOut
from crm_customers.history.models import Interaction
from crm_customers.history.service import FOLLOW_UP
from crm_customers.pools.membership import browses as pool_browses
from crm_proto.crm.customers.v1 import customers_pb2, customers_pb2_grpc
from crmkit.access import access_client
from crmkit.auth import Principal, PrincipalKind, current_principal
from crmkit.db import Database
from crmkit.errors import InvalidInput, PermissionDenied
from crmkit.ids import parse_ids
from crmkit.service import GrpcRegistration

MAX_IDS = 500
STREAM_BATCH = 500


def _ids(raw: Any) -> list[uuid.UUID]:
    return parse_ids(raw, field="ids", at_most=MAX_IDS)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    return str(value)


def customer_message(out: CustomerOut) -> Any:
    return customers_pb2.Customer(
        id=str(out.id),
        kind=out.kind,
        name=out.name,
        short_name=_text(out.short_name),
        phones=out.phones,
        emails=out.emails,
        website=_text(out.website),
        province=_text(out.province),
        city=_text(out.city),
        district=_text(out.district),
        street=_text(out.street),
        industry=_text(out.industry),
        scale=_text(out.scale),
        source=_text(out.source),
        level=_text(out.level),
        status=out.status,
        tags=out.tags,
        owner_id=_text(out.owner_id),
        department_id=_text(out.department_id),
        collaborator_ids=[str(c) for c in out.collaborator_ids],
        credit_rating=_text(out.credit_rating),
        birthday=_text(out.birthday),
        notes=_text(out.notes),
        custom_json=json.dumps(out.custom, ensure_ascii=False, sort_keys=True),
        version=out.version,
        created_at=_text(out.created_at),
        updated_at=_text(out.updated_at),
        last_follow_up_at=_text(out.last_follow_up_at),
        next_follow_up_at=_text(out.next_follow_up_at),
        masked_fields=out.masked_fields,
        hidden_fields=out.hidden_fields,
    )


def contact_message(out: ContactOut) -> Any:
    return customers_pb2.Contact(
        id=str(out.id),
        customer_id=str(out.customer_id),
        name=out.name,
        title=_text(out.title),
        role=_text(out.role),
        phones=out.phones,
        email=_text(out.email),
        wechat=_text(out.wechat),
        is_primary=out.is_primary,
        version=out.version,
        masked_fields=out.masked_fields,
        hidden_fields=out.hidden_fields,
        custom_json=json.dumps(out.custom, ensure_ascii=False, default=str),
        birthday=_text(out.birthday),
        notes=_text(out.notes),
        updated_at=_text(out.updated_at),
    )


def _live(
    session: Session, caller: Caller, customer: Customer | None, *, pooled: bool = False
) -> Customer | None:
    """The live customer behind an id the caller may see (following a merge), or None.
    `pooled`: also a pooled customer of a pool the caller browses, as `GET customers/{id}`."""
    for _ in range(2):
        if customer is None:
            return None
        if not (caller.sees(customer) or (pooled and pool_browses(session, caller, customer))):
            return None
        if customer.merged_into_id is None:
            return None if customer.deleted_at is not None else customer
        customer = repository.get(session, customer.merged_into_id)
    return None


def _caller_about(principal: Principal, user_id: str) -> Caller:
    """Another user as a caller, for a service asking on their behalf."""
    if principal.kind is not PrincipalKind.SERVICE:
        raise PermissionDenied("asking about another user needs a service caller")
    try:
        subject = str(uuid.UUID(user_id))
    except ValueError as exc:
        raise InvalidInput.on_field("user_id", "not a UUID") from exc
    client = access_client()
    grants = client.grants(principal, user_id=subject)
    owners = client.visible_owners(principal, MODULE, user_id=subject)
    as_user = Principal(
        kind=PrincipalKind.USER,
        subject=subject,
        tenant_id=principal.tenant_id,
        permissions=grants.permissions,
    )
    return Caller(as_user, grants, owners)


class CustomersServicer(customers_pb2_grpc.CustomersServiceServicer):
    def __init__(self, db: Database) -> None:
        self._db = db

    def GetCustomers(self, request: Any, context: grpc.ServicerContext) -> Any:  # noqa: N802
        caller = caller_for(current_principal())
        caller.require("view")
        with self._db.tenant_transaction() as session:
            found: dict[uuid.UUID, Customer] = {}
            for customer in repository.get_many(session, _ids(request.ids)):
                live = _live(session, caller, customer)
                if live is not None:
                    found.setdefault(live.id, live)
            keys = service.custom_keys(session)
            return customers_pb2.GetCustomersResponse(
                customers=[
                    customer_message(service.present(caller, c, custom_keys=keys))
                    for c in found.values()
                ]
            )

    def GetContacts(self, request: Any, context: grpc.ServicerContext) -> Any:  # noqa: N802
        caller = caller_for(current_principal())
        caller.require("view")
        answer = []
        with self._db.tenant_transaction() as session:
            keys = contact_service.contact_keys(session)
            for contact_id in _ids(request.ids):
                contact = contacts.get(session, contact_id)
                if contact is None:
                    continue
                customer = _live(session, caller, repository.get(session, contact.customer_id))
                if customer is None:
                    continue
                answer.append(
                    contact_message(contact_service.present(caller, contact, customer, keys))
                )
        return customers_pb2.GetContactsResponse(contacts=answer)

    def CheckAccess(self, request: Any, context: grpc.ServicerContext) -> Any:  # noqa: N802
        principal = current_principal()
        if request.user_id and request.user_id != principal.subject:
            caller = _caller_about(principal, request.user_id)
        else:
            caller = caller_for(principal)
        try:
            record_id = uuid.UUID(request.record_id)
        except ValueError as exc:
            raise InvalidInput.on_field("record_id", "not a UUID") from exc
        with self._db.tenant_transaction() as session:
            if request.record_type == customers_pb2.RECORD_TYPE_CUSTOMER:
                customer = repository.get(session, record_id)
            elif request.record_type == customers_pb2.RECORD_TYPE_CONTACT:
                contact = contacts.get(session, record_id)
                customer = repository.get(session, contact.customer_id) if contact else None
            elif request.record_type == customers_pb2.RECORD_TYPE_FOLLOW_UP:
                entry = session.get(Interaction, record_id)
                customer = (
                    repository.get(session, entry.customer_id)
                    if entry is not None and entry.entry_type == FOLLOW_UP
                    else None
                )
            else:
                raise InvalidInput.on_field("record_type", "customer, contact or follow-up")
            live = _live(session, caller, customer, pooled=True)
            if live is None or not caller.can("view"):
                return customers_pb2.CheckAccessResponse(can_view=False, can_edit=False)
            return customers_pb2.CheckAccessResponse(
                can_view=True,
                can_edit=caller.can("update") and live.pool_id is None,  # pooled: read-only
                customer_id=str(live.id),
            )

    def StreamCustomers(  # noqa: N802
        self, request: Any, context: grpc.ServicerContext
    ) -> Iterator[Any]:
        caller = _service_caller()
        since = _since(request.updated_since)

        def batch(session: Session, after: uuid.UUID | None) -> tuple[list[Any], uuid.UUID | None]:
            query = repository.live().order_by(Customer.id).limit(STREAM_BATCH)
            if since is not None:
                query = query.where(Customer.updated_at >= since)
            if after is not None:
                query = query.where(Customer.id > after)
            found = [row[0] for row in repository.rows(session, query)]
            keys = service.custom_keys(session)
            return [
                customers_pb2.StreamCustomersResponse(
                    customer=customer_message(service.present(caller, c, custom_keys=keys))
                )
                for c in found
            ], (found[-1].id if found else None)

        yield from self._batches(batch)

    def StreamContacts(  # noqa: N802
        self, request: Any, context: grpc.ServicerContext
    ) -> Iterator[Any]:
        caller = _service_caller()
        since = _since(request.updated_since)

        def batch(session: Session, after: uuid.UUID | None) -> tuple[list[Any], uuid.UUID | None]:
            found = contacts.live_with_customers(
                session, after=after, updated_since=since, limit=STREAM_BATCH
            )
            keys = contact_service.contact_keys(session)
            return [
                customers_pb2.StreamContactsResponse(
                    contact=contact_message(
                        contact_service.present(caller, contact, customer, keys)
                    )
                )
                for contact, customer in found
            ], (found[-1][0].id if found else None)

        yield from self._batches(batch)

    def _batches(
        self, batch: Callable[[Session, uuid.UUID | None], tuple[list[Any], uuid.UUID | None]]
    ) -> Iterator[Any]:
        """Pages through a tenant by id, one short transaction per page: a long stream holds
        no snapshot open."""
        after: uuid.UUID | None = None
        while True:
            with self._db.tenant_transaction() as session:
                messages, last = batch(session, after)
            yield from messages
            if len(messages) < STREAM_BATCH or last is None:
                return
            after = last


def _service_caller() -> Caller:
    principal = current_principal()
    if principal.kind is not PrincipalKind.SERVICE:
        raise PermissionDenied("re-indexing streams are for service callers")
    return caller_for(principal)


def _since(raw: str) -> datetime | None:
    if not raw:
        return None
    try:
        return datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError as exc:
        raise InvalidInput.on_field("updated_since", "not an RFC 3339 time") from exc


def registrations(db: Database) -> list[GrpcRegistration]:
    return [(customers_pb2_grpc.add_CustomersServiceServicer_to_server, CustomersServicer(db))]
