"""Duplicates: the groups the finder lists, and merging one customer into another.

A merge moves the loser's contacts, timeline and reminders to the survivor, fills the
survivor's empty fields from the loser, unites their phones, emails, tags and collaborators,
and leaves the loser as a redirect (`merged_into_id`): reading the old id answers `301` to
the survivor. Both must be in the caller's scope; it needs `customers:merge`.
"""

import uuid
from typing import Any

from sqlalchemy.orm import Session

from crm_customers.common.access import Caller
from crm_customers.contacts import repository as contacts
from crm_customers.custom_fields import repository as custom_values
from crm_customers.custom_fields import service as custom_fields
from crm_customers.custom_fields.schemas import Entity
from crm_customers.customers import events, repository
from crm_customers.customers.models import Customer
from crm_customers.customers.schemas import DuplicateGroup
from crm_customers.customers.service import (
    custom_keys,
    diff_snapshots,
    flush_versioned,
    for_update,
    present,
    record_change,
    snapshot,
)
from crm_customers.db import utcnow
from crm_customers.history import repository as history
from crm_customers.insights import potential
from crmkit.errors import InvalidInput

_FILLABLE = (
    "short_name",
    "website",
    "province",
    "city",
    "district",
    "street",
    "latitude",
    "longitude",
    "industry",
    "scale",
    "source",
    "level",
    "department_id",
    "credit_rating",
    "birthday",
    "notes",
    "last_follow_up_at",
    "next_follow_up_at",
)


def duplicate_groups(session: Session, *, caller: Caller, limit: int = 50) -> list[DuplicateGroup]:
    caller.require("view")
    visible = caller.visible_condition()
    keys = custom_keys(session)
    groups: list[DuplicateGroup] = []
    for name_key in repository.name_key_groups(session, visible, limit):
        found = repository.rows(
            session,
            repository.live()
            .where(visible, Customer.kind == "company", Customer.name_key == name_key)
            .order_by(Customer.created_at, Customer.id),
        )
        members = [present(caller, row[0], custom_keys=keys) for row in found]
        groups.append(DuplicateGroup(rule="company_name", key=name_key, customers=members))
    for phone in repository.phone_groups(session, visible, limit):
        found = repository.rows(
            session,
            repository.live()
            .where(visible, Customer.kind == "person", Customer.phones.contains([phone]))
            .order_by(Customer.created_at, Customer.id),
        )
        members = [present(caller, row[0], custom_keys=keys) for row in found]
        groups.append(
            DuplicateGroup(rule="person_phone", key=members[0].phone or "", customers=members)
        )
    return groups


def merge(
    session: Session, *, caller: Caller, survivor_id: uuid.UUID, loser_id: uuid.UUID
) -> Customer:
    caller.require("merge")
    if survivor_id == loser_id:
        raise InvalidInput.on_field("from_id", "a customer cannot be merged into itself")
    survivor = for_update(session, caller=caller, customer_id=survivor_id)
    loser = for_update(session, caller=caller, customer_id=loser_id)
    before = snapshot(survivor)
    for name in _FILLABLE:
        if getattr(survivor, name) is None and getattr(loser, name) is not None:
            setattr(survivor, name, getattr(loser, name))
    survivor.phones = list(dict.fromkeys([*survivor.phones, *loser.phones]))
    survivor.emails = list(dict.fromkeys([*survivor.emails, *loser.emails]))
    survivor.tags = list(dict.fromkeys([*survivor.tags, *loser.tags]))
    collaborators = [*survivor.collaborator_ids, *loser.collaborator_ids]
    if loser.owner_id != survivor.owner_id:
        collaborators.append(str(loser.owner_id))  # the loser's owner keeps seeing it
    survivor.collaborator_ids = [
        c for c in dict.fromkeys(collaborators) if c != str(survivor.owner_id)
    ]
    missing: dict[str, Any] = {
        k: v
        for k, v in loser.custom.items()
        if k not in survivor.custom and k in custom_keys(session)
    }
    custom_values.release_record(session, loser.id)
    if missing:
        survivor.custom = custom_fields.apply_values(
            session,
            entity=Entity.CUSTOMER,
            record_id=survivor.id,
            incoming=missing,
            current=dict(survivor.custom),
        )
    contacts.move_all(session, from_customer=loser.id, to_customer=survivor.id)
    history.move_all(session, from_customer=loser.id, to_customer=survivor.id)
    repository.redirect_merged(session, loser=loser.id, survivor=survivor.id)
    now = utcnow()
    loser.merged_into_id = survivor.id
    loser.deleted_at = now
    loser.deleted_by = caller.user_id
    loser.updated_at = now
    survivor.updated_at = now
    survivor.updated_by = caller.user_id
    flush_versioned(session)
    potential.absorb(session, survivor=survivor, merged_id=loser.id)
    record_change(
        session,
        caller,
        survivor,
        "merged",
        [
            {"field": "merged_from", "from": None, "to": str(loser.id)},
            *diff_snapshots(before, snapshot(survivor)),
        ],
    )
    record_change(
        session,
        caller,
        loser,
        "merged",
        [{"field": "merged_into", "from": None, "to": str(survivor.id)}],
    )
    events.customer_event(session, "merged", survivor, merged_id=str(loser.id))
    return survivor
