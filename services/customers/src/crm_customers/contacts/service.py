"""Contacts: many per customer, at most one primary (a partial unique index holds it);
a contact belongs to one customer and moves only by an explicit move. What a caller may
see of a contact follows its customer: scope, and the phone and email field rules."""

import uuid
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from crm_customers.common.access import Caller
from crm_customers.common.normalize import email_key, phone_key
from crm_customers.contacts import repository
from crm_customers.contacts.models import Contact
from crm_customers.contacts.schemas import ContactCreate, ContactOut, ContactPatch
from crm_customers.custom_fields import service as custom_fields
from crm_customers.custom_fields.schemas import Entity
from crm_customers.customers import service as customers
from crm_customers.customers.events import publish
from crm_customers.customers.models import Customer
from crm_customers.db import utcnow
from crmkit.access import FieldAccess
from crmkit.errors import (
    Conflict,
    FieldError,
    InvalidInput,
    NotFound,
    PermissionDenied,
    PreconditionFailed,
)
from crmkit.masking import mask_email, mask_phone


def contact_data(contact: Contact) -> dict[str, Any]:
    return {
        "id": str(contact.id),
        "customer_id": str(contact.customer_id),
        "name": contact.name,
        "title": contact.title,
        "role": contact.role,
        "phones": list(contact.phones),
        "email": contact.email,
        "wechat": contact.wechat,
        "birthday": contact.birthday.isoformat() if contact.birthday else None,
        "notes": contact.notes,
        "is_primary": contact.is_primary,
        "custom": dict(contact.custom),
        "version": contact.version,
    }


def present(
    caller: Caller, contact: Contact, customer: Customer, custom_keys: set[str]
) -> ContactOut:
    masked: list[str] = []
    hidden: list[str] = []
    phones = list(contact.phones)
    email = contact.email
    wechat = contact.wechat
    phone_access = caller.field_access("phone", customer)
    if phone_access is FieldAccess.HIDDEN:
        phones, wechat = [], None
        hidden.append("phone")
    elif phone_access is FieldAccess.MASKED:
        phones = [mask_phone(p) for p in phones]
        wechat = mask_phone(wechat) if wechat else None
        masked.append("phone")
    email_access = caller.field_access("email", customer)
    if email_access is FieldAccess.HIDDEN:
        email = None
        hidden.append("email")
    elif email_access is FieldAccess.MASKED and email:
        email = mask_email(email)
        masked.append("email")
    return ContactOut(
        id=contact.id,
        customer_id=contact.customer_id,
        name=contact.name,
        title=contact.title,
        role=contact.role,
        phones=phones,
        email=email,
        wechat=wechat,
        birthday=contact.birthday,
        notes=contact.notes,
        is_primary=contact.is_primary,
        custom={k: v for k, v in contact.custom.items() if k in custom_keys},
        version=contact.version,
        created_at=contact.created_at,
        updated_at=contact.updated_at,
        masked_fields=masked,
        hidden_fields=hidden,
    )


def contact_keys(session: Session) -> set[str]:
    return {f.key for f in custom_fields.list_fields(session, entity=Entity.CONTACT)}


def present_many(
    session: Session, caller: Caller, contacts: list[Contact], customer: Customer
) -> list[ContactOut]:
    keys = contact_keys(session)
    return [present(caller, c, customer, keys) for c in contacts]


def _visible(session: Session, caller: Caller, contact_id: uuid.UUID) -> tuple[Contact, Customer]:
    contact = repository.get(session, contact_id)
    if contact is None:
        raise NotFound("no such contact")
    try:
        customer = customers.visible(session, caller=caller, customer_id=contact.customer_id)
    except NotFound as exc:
        raise NotFound("no such contact") from exc
    return contact, customer


def get_contact(
    session: Session, *, caller: Caller, contact_id: uuid.UUID
) -> tuple[Contact, Customer]:
    return _visible(session, caller, contact_id)


def list_contacts(
    session: Session, *, caller: Caller, customer_id: uuid.UUID
) -> tuple[list[Contact], Customer]:
    customer = customers.visible(session, caller=caller, customer_id=customer_id)
    return repository.of_customer(session, customer.id), customer


def _check_writable(caller: Caller, customer: Customer, written: set[str]) -> None:
    refused = []
    for field, names in (("phone", {"phones", "wechat"}), ("email", {"email"})):
        if written & names and caller.field_access(field, customer) is not FieldAccess.OPEN:
            refused.append(field)
    if refused:
        raise PermissionDenied(
            "you may not change these fields",
            errors=[FieldError(f, "read-only for you", "read_only") for f in refused],
        )


def _normalised(data: ContactCreate | ContactPatch) -> dict[str, Any]:
    values = data.model_dump(exclude_unset=True, exclude={"custom"})
    if values.get("phones") is not None:
        phones = []
        for value in values["phones"]:
            digits = phone_key(value)
            if not 5 <= len(digits) <= 20:
                raise InvalidInput.on_field(
                    "phones", f"{value!r} is not a phone number", code="invalid_phone"
                )
            phones.append(digits)
        values["phones"] = list(dict.fromkeys(phones))
    if values.get("email"):
        if "@" not in values["email"]:
            raise InvalidInput.on_field("email", "not an email address", code="invalid_email")
        values["email"] = email_key(values["email"])
    return values


def create_contact(
    session: Session, *, caller: Caller, customer_id: uuid.UUID, data: ContactCreate
) -> tuple[Contact, Customer]:
    customer = customers.for_update(session, caller=caller, customer_id=customer_id)
    _check_writable(caller, customer, set(data.model_fields_set))
    values = _normalised(data)
    existing = repository.of_customer(session, customer.id)
    primary = bool(values.pop("is_primary", False)) or not existing
    contact = Contact(
        id=uuid.uuid4(),
        customer_id=customer.id,
        is_primary=primary,
        created_by=caller.user_id,
        created_at=utcnow(),
        updated_at=utcnow(),
        **{k: v for k, v in values.items() if v is not None},
    )
    contact.custom = custom_fields.apply_values(
        session,
        entity=Entity.CONTACT,
        record_id=contact.id,
        incoming=data.custom or {},
        current=None,
    )
    if primary:
        repository.clear_primary(session, customer.id, keep=None)
    try:
        with session.begin_nested():
            repository.add(session, contact)
    except IntegrityError as exc:  # another writer made its contact primary meanwhile
        raise Conflict("another contact became primary meanwhile; try again") from exc
    publish(session, "created", contact_data(contact), aggregate="contact")
    return contact, customer


def update_contact(
    session: Session,
    *,
    caller: Caller,
    contact_id: uuid.UUID,
    data: ContactPatch,
    expected_version: int | None,
) -> tuple[Contact, Customer]:
    caller.require("update")
    contact, customer = _visible(session, caller, contact_id)
    customers.not_pooled(customer)
    if expected_version is not None and expected_version != contact.version:
        raise PreconditionFailed("the contact changed since you read it", version=contact.version)
    _check_writable(caller, customer, set(data.model_fields_set))
    values = _normalised(data)
    if "name" in values and not values["name"]:
        raise InvalidInput.on_field("name", "must not be empty", code="blank")
    make_primary = values.pop("is_primary", None)
    for name, value in values.items():
        setattr(contact, name, value if name != "phones" else (value or []))
    if "custom" in data.model_fields_set:
        contact.custom = custom_fields.apply_values(
            session,
            entity=Entity.CONTACT,
            record_id=contact.id,
            incoming=data.custom or {},
            current=dict(contact.custom),
        )
    if make_primary:
        repository.clear_primary(session, customer.id, keep=contact.id)
        contact.is_primary = True
    elif make_primary is False:
        contact.is_primary = False
    contact.updated_at = utcnow()
    _flush(session)
    publish(session, "updated", contact_data(contact), aggregate="contact")
    return contact, customer


def _flush(session: Session) -> None:
    try:
        session.flush()
    except StaleDataError as exc:
        raise PreconditionFailed("the contact changed while you were saving") from exc


def delete_contact(session: Session, *, caller: Caller, contact_id: uuid.UUID) -> None:
    caller.require("update")
    contact, customer = _visible(session, caller, contact_id)
    customers.not_pooled(customer)
    contact.deleted_at = utcnow()
    contact.is_primary = False
    _flush(session)
    publish(session, "deleted", contact_data(contact), aggregate="contact")


def move_contact(
    session: Session, *, caller: Caller, contact_id: uuid.UUID, customer_id: uuid.UUID
) -> tuple[Contact, Customer]:
    """Explicitly to another customer the caller may change; it arrives as not primary
    (unless the target has no contacts yet)."""
    caller.require("update")
    contact, source = _visible(session, caller, contact_id)
    customers.not_pooled(source)
    target = customers.for_update(session, caller=caller, customer_id=customer_id)
    if target.id == source.id:
        return contact, target
    previous = contact.customer_id
    contact.is_primary = not repository.of_customer(session, target.id)
    contact.customer_id = target.id
    contact.updated_at = utcnow()
    _flush(session)
    publish(
        session,
        "moved",
        {**contact_data(contact), "previous_customer_id": str(previous)},
        aggregate="contact",
    )
    return contact, target
