import uuid

from fastapi import APIRouter, Response

from crm_customers.common.http import CurrentCaller, IfMatch, etag
from crm_customers.contacts import service
from crm_customers.contacts.schemas import (
    ContactCreate,
    ContactList,
    ContactMove,
    ContactOut,
    ContactPatch,
)
from crmkit.http import TenantSession

router = APIRouter(prefix="/api/v1", tags=["contacts"])
ERRORS: dict[int | str, dict[str, str]] = {
    404: {"description": "No such contact or customer (or outside your data scope)"},
    412: {"description": "The contact changed since the version in If-Match"},
}


@router.get("/customers/{customer_id}/contacts", response_model=ContactList, responses=ERRORS)
def list_contacts(
    customer_id: uuid.UUID, session: TenantSession, caller: CurrentCaller
) -> ContactList:
    contacts, customer = service.list_contacts(session, caller=caller, customer_id=customer_id)
    return ContactList(items=service.present_many(session, caller, contacts, customer))


@router.post(
    "/customers/{customer_id}/contacts",
    status_code=201,
    response_model=ContactOut,
    responses=ERRORS,
)
def create_contact(
    customer_id: uuid.UUID, data: ContactCreate, session: TenantSession, caller: CurrentCaller
) -> ContactOut:
    contact, customer = service.create_contact(
        session, caller=caller, customer_id=customer_id, data=data
    )
    return service.present(caller, contact, customer, service.contact_keys(session))


@router.get("/contacts/{contact_id}", response_model=ContactOut, responses=ERRORS)
def get_contact(
    contact_id: uuid.UUID, session: TenantSession, caller: CurrentCaller, response: Response
) -> ContactOut:
    contact, customer = service.get_contact(session, caller=caller, contact_id=contact_id)
    response.headers.update(etag(contact.version))
    return service.present(caller, contact, customer, service.contact_keys(session))


@router.patch("/contacts/{contact_id}", response_model=ContactOut, responses=ERRORS)
def update_contact(
    contact_id: uuid.UUID,
    data: ContactPatch,
    session: TenantSession,
    caller: CurrentCaller,
    version: IfMatch,
    response: Response,
) -> ContactOut:
    contact, customer = service.update_contact(
        session, caller=caller, contact_id=contact_id, data=data, expected_version=version
    )
    response.headers.update(etag(contact.version))
    return service.present(caller, contact, customer, service.contact_keys(session))


@router.delete("/contacts/{contact_id}", status_code=204, responses=ERRORS)
def delete_contact(contact_id: uuid.UUID, session: TenantSession, caller: CurrentCaller) -> None:
    service.delete_contact(session, caller=caller, contact_id=contact_id)


@router.post("/contacts/{contact_id}/move", response_model=ContactOut, responses=ERRORS)
def move_contact(
    contact_id: uuid.UUID, data: ContactMove, session: TenantSession, caller: CurrentCaller
) -> ContactOut:
    contact, customer = service.move_contact(
        session, caller=caller, contact_id=contact_id, customer_id=data.customer_id
    )
    return service.present(caller, contact, customer, service.contact_keys(session))
