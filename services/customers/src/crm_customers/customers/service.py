"""Customers: the rules of creating, reading, changing, deleting, restoring and merging.

Every read goes through the caller's data scope (a record outside it is `NotFound`, never
`PermissionDenied`: its existence is not revealed) and field rules (hidden fields come back
empty, masked ones masked). Every change is kept in the change history and published.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from crm_customers.common.access import Caller
from crm_customers.common.bridging import bridge_key
from crm_customers.common.normalize import company_key, email_key, person_key, phone_key
from crm_customers.custom_fields import service as custom_fields
from crm_customers.custom_fields.schemas import Entity
from crm_customers.customers import events, repository
from crm_customers.customers.models import Customer, CustomerChange, TenantSetting
from crm_customers.customers.schemas import (
    ChangeOut,
    CustomerCreate,
    CustomerOut,
    CustomerPatch,
    DuplicateRules,
)
from crm_customers.db import utcnow
from crm_customers.dictionaries.service import check_values
from crm_customers.insights import geocoding, potential
from crm_customers.pools.errors import CustomerInPool
from crm_customers.pools.membership import browses as pool_browses
from crm_customers.staff import repository as staff
from crmkit.access import FieldAccess
from crmkit.errors import (
    Conflict,
    FieldError,
    InvalidInput,
    NotFound,
    PermissionDenied,
    PreconditionFailed,
)
from crmkit.filters import FieldType, Filterable, apply_filters, count_or_estimate, parse_sort
from crmkit.masking import mask_email, mask_phone, mask_text
from crmkit.pagination import SortKey, check_limit, decode_cursor, encode_cursor, paginate

# Which stored attributes a restrictable field (identity's catalogue) stands for.
RESTRICTABLE = {
    "phone": ("phones",),
    "email": ("emails",),
    "address": ("district", "street", "latitude", "longitude"),
    "tags": ("tags",),
}
TRACKED = (
    "kind",
    "name",
    "short_name",
    "phones",
    "emails",
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
    "status",
    "tags",
    "owner_id",
    "department_id",
    "collaborator_ids",
    "credit_rating",
    "birthday",
    "notes",
    "custom",
)
DUPLICATE_RULES_KEY = "duplicate_rules"


class CustomerMerged(NotFound):
    """The id belonged to a customer merged into another; `survivor_id` names it."""

    code, title = "customer_merged", "Customer merged"


class LikelyDuplicate(Conflict):
    code, title = "likely_duplicate", "Likely duplicate"


# ---------------------------------------------------------------------------- presenting


def _field_name_for(attribute: str) -> str:
    for name, attributes in RESTRICTABLE.items():
        if attribute in attributes:
            return name
    return attribute


def present(
    caller: Caller, customer: Customer, *, custom_keys: set[str] | None = None
) -> CustomerOut:
    """The customer as `caller` may see it."""
    masked: list[str] = []
    hidden: list[str] = []
    values: dict[str, Any] = {
        "phones": list(customer.phones),
        "emails": list(customer.emails),
        "district": customer.district,
        "street": customer.street,
        "latitude": customer.latitude,
        "longitude": customer.longitude,
        "tags": list(customer.tags),
    }
    for name, attributes in RESTRICTABLE.items():
        access = caller.field_access(name, customer)
        if access is FieldAccess.HIDDEN:
            hidden.append(name)
            for attribute in attributes:
                values[attribute] = [] if isinstance(values[attribute], list) else None
        elif access is FieldAccess.MASKED:
            masked.append(name)
            if name == "phone":
                values["phones"] = [mask_phone(p) for p in customer.phones]
            elif name == "email":
                values["emails"] = [mask_email(e) for e in customer.emails]
            elif name == "address":
                values.update(
                    district=mask_text(customer.district or ""),
                    street=mask_text(customer.street or ""),
                    latitude=None,
                    longitude=None,
                )
            elif name == "tags":
                values["tags"] = []
    custom = dict(customer.custom)
    if custom_keys is not None:
        custom = {k: v for k, v in custom.items() if k in custom_keys}
    for key in list(custom):
        access = caller.field_access(key, customer)
        if access is FieldAccess.HIDDEN:
            hidden.append(key)
            del custom[key]
        elif access is FieldAccess.MASKED:
            masked.append(key)
            custom[key] = mask_text(str(custom[key]))
    return CustomerOut(
        id=customer.id,
        kind=customer.kind,
        name=customer.name,
        short_name=customer.short_name,
        phone=values["phones"][0] if values["phones"] else None,
        email=values["emails"][0] if values["emails"] else None,
        website=customer.website,
        province=customer.province,
        city=customer.city,
        industry=customer.industry,
        scale=customer.scale,
        source=customer.source,
        level=customer.level,
        status=customer.status,
        owner_id=customer.owner_id,
        pool_id=customer.pool_id,
        department_id=customer.department_id,
        collaborator_ids=[uuid.UUID(c) for c in customer.collaborator_ids],
        credit_rating=customer.credit_rating,
        birthday=customer.birthday,
        notes=customer.notes,
        custom=custom,
        version=customer.version,
        created_by=customer.created_by,
        updated_by=customer.updated_by,
        created_at=customer.created_at,
        updated_at=customer.updated_at,
        last_follow_up_at=customer.last_follow_up_at,
        next_follow_up_at=customer.next_follow_up_at,
        deleted_at=customer.deleted_at,
        geocoded=customer.geocoded,
        potential_score=customer.potential_score,
        masked_fields=masked,
        hidden_fields=hidden,
        **{k: values[k] for k in ("phones", "emails", "district", "street", "latitude")},
        longitude=values["longitude"],
        tags=values["tags"],
    )


def custom_keys(session: Session) -> set[str]:
    return {f.key for f in custom_fields.list_fields(session, entity=Entity.CUSTOMER)}


def present_many(session: Session, caller: Caller, customers: list[Customer]) -> list[CustomerOut]:
    keys = custom_keys(session)
    return [present(caller, c, custom_keys=keys) for c in customers]


# ------------------------------------------------------------------------------ reading


def visible(session: Session, *, caller: Caller, customer_id: uuid.UUID) -> Customer:
    """A live customer the caller may see, or NotFound (CustomerMerged for a merged id)."""
    caller.require("view")
    customer = repository.get(session, customer_id)
    if customer is None or not (caller.sees(customer) or pool_browses(session, caller, customer)):
        raise NotFound("no such customer")
    if customer.merged_into_id is not None:
        raise CustomerMerged(
            "this customer was merged into another", survivor_id=str(customer.merged_into_id)
        )
    if customer.deleted_at is not None:
        raise NotFound("no such customer")
    return customer


def visible_many(
    session: Session, *, caller: Caller, customer_ids: list[uuid.UUID]
) -> list[Customer]:
    """The live customers among `customer_ids` that `visible` would answer, in that order;
    the others are left out, never named."""
    caller.require("view")
    found = {c.id: c for c in repository.get_many(session, customer_ids)}
    return [
        customer
        for customer_id in dict.fromkeys(customer_ids)
        if (customer := found.get(customer_id)) is not None
        and customer.deleted_at is None
        and customer.merged_into_id is None
        and (caller.sees(customer) or pool_browses(session, caller, customer))
    ]


def for_update(session: Session, *, caller: Caller, customer_id: uuid.UUID) -> Customer:
    """A visible customer the caller may change; edits of others' records in scope are
    allowed when the scope shows them (owner, collaborators, managers above)."""
    caller.require("update")
    return not_pooled(visible(session, caller=caller, customer_id=customer_id))


def not_pooled(customer: Customer) -> Customer:
    if customer.pool_id is not None:
        raise CustomerInPool(
            "this customer is in a public pool: claim it (or have it assigned) before changing it"
        )
    return customer


def standard_filterables() -> dict[str, Filterable]:
    c = Customer
    text = FieldType.TEXT
    fields = {
        name: Filterable(getattr(c, name).expression, text)
        for name in (
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
            "credit_rating",
            "notes",
        )
    }
    fields.update(
        id=Filterable(c.id.expression, FieldType.UUID),
        owner_id=Filterable(c.owner_id.expression, FieldType.UUID),
        department_id=Filterable(c.department_id.expression, FieldType.UUID),
        created_by=Filterable(c.created_by.expression, FieldType.UUID),
        updated_by=Filterable(c.updated_by.expression, FieldType.UUID),
        phone=Filterable(c.phones.expression, FieldType.TEXT_LIST, sortable=False),
        email=Filterable(c.emails.expression, FieldType.TEXT_LIST, sortable=False),
        tags=Filterable(c.tags.expression, FieldType.TEXT_LIST, sortable=False),
        collaborator_ids=Filterable(
            c.collaborator_ids.expression, FieldType.TEXT_LIST, sortable=False
        ),
        birthday=Filterable(c.birthday.expression, FieldType.DATE),
        latitude=Filterable(c.latitude.expression, FieldType.NUMBER),
        longitude=Filterable(c.longitude.expression, FieldType.NUMBER),
        version=Filterable(c.version.expression, FieldType.NUMBER),
        potential_score=Filterable(c.potential_score.expression, FieldType.NUMBER),
        created_at=Filterable(c.created_at.expression, FieldType.DATETIME),
        updated_at=Filterable(c.updated_at.expression, FieldType.DATETIME),
        last_follow_up_at=Filterable(c.last_follow_up_at.expression, FieldType.DATETIME),
        next_follow_up_at=Filterable(c.next_follow_up_at.expression, FieldType.DATETIME),
    )
    return fields


@dataclass
class ListResult:
    items: list[CustomerOut]
    next_cursor: str | None
    total: int | None
    total_is_estimate: bool | None


def _normalise_filter(raw: str) -> str:
    """Phones and emails are stored normalised; a filter value is normalised the same way."""
    name, _, rest = raw.partition(":")
    op, sep, value = rest.partition(":")
    if name == "phone" and sep:
        value = ",".join(phone_key(v) for v in value.split(","))
    elif name == "email" and sep:
        value = ",".join(email_key(v) for v in value.split(","))
    return f"{name}:{op}{sep}{value}" if sep else raw


def _guard_filters(caller: Caller, raws: list[str]) -> list[ColumnElement[bool]]:
    """A filter must not reveal what the caller may not read: hidden or masked fields are
    refused, and phones or emails of others' records need `customers:view_phone`."""
    extra: list[ColumnElement[bool]] = []
    for raw in raws:
        name = raw.partition(":")[0].removeprefix("custom.")
        field = _field_name_for(name)
        if caller.grants.field_access("customers", field) in (
            FieldAccess.HIDDEN,
            FieldAccess.MASKED,
        ):
            raise InvalidInput.on_field("filter", f"you may not filter by {name!r}")
        if field in ("phone", "email") and not caller.can("view_phone"):
            user = caller.user_id
            extra.append(Customer.owner_id == user if user else Customer.id.is_(None))
    return extra


def list_customers(
    session: Session,
    *,
    caller: Caller,
    filters: list[str],
    sort: str | None,
    limit: int,
    cursor: str | None,
    with_total: bool = True,
    deleted: bool = False,
    total_threshold: int = 10_000,
) -> ListResult:
    caller.require("view")
    check_limit(limit)
    if deleted:
        caller.require("delete")
    fields = {
        **standard_filterables(),
        **custom_fields.filterables(session, entity=Entity.CUSTOMER, column=Customer.custom),
    }
    filters = [_normalise_filter(f) for f in filters]
    query = (repository.deleted() if deleted else repository.live()).where(
        caller.visible_condition(), *_guard_filters(caller, filters)
    )
    query = apply_filters(query, filters, fields)
    target, descending = parse_sort(sort, fields, default="-updated_at")
    if sort:
        _guard_filters(caller, [sort.lstrip("-+")])
    total: int | None = None
    estimate: bool | None = None
    if with_total:
        total, estimate = count_or_estimate(session, query, threshold=total_threshold)
    sort_value = target.column.label("sort_value")
    keyed = query.add_columns(sort_value)
    if cursor:
        decode_cursor(cursor)
    keyed = paginate(
        keyed,
        key=SortKey(column=target.column, id_column=Customer.id.expression, descending=descending),
        limit=limit,
        cursor=cursor,
    )
    rows = repository.rows(session, keyed)
    page = rows[:limit]
    next_cursor = None
    if len(rows) > limit and page:
        last = page[-1]
        next_cursor = encode_cursor([last.sort_value, last[0].id])
    items = present_many(session, caller, [row[0] for row in page])
    return ListResult(items, next_cursor, total, estimate)


def change_history(
    session: Session, *, caller: Caller, customer_id: uuid.UUID, limit: int, cursor: str | None
) -> tuple[list[ChangeOut], str | None]:
    customer = visible(session, caller=caller, customer_id=customer_id)
    query = select(CustomerChange).where(CustomerChange.customer_id == customer.id)
    query = paginate(
        query,
        key=SortKey(CustomerChange.at.expression, CustomerChange.id.expression, descending=True),
        limit=limit,
        cursor=cursor,
    )
    found = repository.changes(session, query)
    items = found[:limit]
    next_cursor = encode_cursor([items[-1].at, items[-1].id]) if len(found) > limit else None
    return [
        ChangeOut(
            id=c.id,
            actor_id=c.actor_id,
            action=c.action,
            at=c.at,
            changes=[_mask_change(caller, customer, change) for change in c.changes],
        )
        for c in items
    ], next_cursor


def _mask_change(caller: Caller, customer: Customer, change: dict[str, Any]) -> dict[str, Any]:
    """History shows a restricted field no more than the record does."""
    field = change["field"]
    name = _field_name_for(field.removeprefix("custom."))
    access = caller.field_access(name, customer)
    if access is FieldAccess.HIDDEN:
        return {"field": field, "from": None, "to": None, "hidden": True}
    if access is FieldAccess.MASKED:
        masker = {"phone": mask_phone, "email": mask_email}.get(name, mask_text)

        def mask(value: Any) -> Any:
            if isinstance(value, list):
                return [masker(str(v)) for v in value]
            return None if value is None else masker(str(value))

        return {"field": field, "from": mask(change["from"]), "to": mask(change["to"])}
    return change


# ------------------------------------------------------------------------------ writing


def duplicate_rules(session: Session) -> DuplicateRules:
    stored = repository.setting(session, DUPLICATE_RULES_KEY)
    return DuplicateRules.model_validate(stored.value) if stored else DuplicateRules()


def set_duplicate_rules(
    session: Session, *, caller: Caller, rules: DuplicateRules
) -> DuplicateRules:
    caller.require("manage_settings")
    stored = repository.setting(session, DUPLICATE_RULES_KEY)
    if stored is None:
        repository.save_setting(
            session, TenantSetting(key=DUPLICATE_RULES_KEY, value=rules.model_dump())
        )
    else:
        stored.value = rules.model_dump()
        session.flush()
    return rules


def _name_key(kind: str, name: str) -> str:
    return company_key(name) if kind == "company" else person_key(name)


def _contact_lists(
    data: CustomerCreate | CustomerPatch, current: Customer | None
) -> tuple[list[str] | None, list[str] | None]:
    phones: list[str] | None = None
    emails: list[str] | None = None
    fields = data.model_fields_set
    if "phones" in fields or "phone" in fields:
        raw = ([data.phone] if data.phone else []) + list(data.phones or [])
        if "phones" not in fields and current is not None:
            raw += list(current.phones)
        phones = []
        for value in raw:
            digits = phone_key(value)
            if not 5 <= len(digits) <= 20:
                raise InvalidInput.on_field(
                    "phone", f"{value!r} is not a phone number", code="invalid_phone"
                )
            if digits not in phones:
                phones.append(digits)
    if "emails" in fields or "email" in fields:
        raw = ([data.email] if data.email else []) + list(data.emails or [])
        if "emails" not in fields and current is not None:
            raw += list(current.emails)
        emails = []
        for value in raw:
            if "@" not in value or "." not in value.rpartition("@")[2]:
                raise InvalidInput.on_field(
                    "email", f"{value!r} is not an email address", code="invalid_email"
                )
            key = email_key(value)
            if key not in emails:
                emails.append(key)
    return phones, emails


def _check_duplicates(
    session: Session,
    *,
    caller: Caller,
    kind: str,
    name: str,
    name_key: str,
    phones: list[str],
    emails: list[str],
    force: bool,
    exclude: uuid.UUID | None = None,
) -> None:
    rules = duplicate_rules(session)
    name_key = name_key if kind == "company" and rules.company_name else ""
    phones = phones if kind == "person" and rules.person_phone else []
    emails = emails if rules.email else []
    bridge = bridge_key(name) if name_key and kind == "company" else None
    repository.serialise_writers_of(session, [f"name:{name_key}"] if name_key else [])
    # Writers of one name in two scripts take turns too (on the Chinese form's key).
    repository.serialise_writers_of(
        session, [f"bridge:{b.partition(':')[2]}" for b in [bridge] if b]
    )
    repository.serialise_writers_of(session, [f"phone:{p}" for p in phones])
    repository.serialise_writers_of(session, [f"email:{e}" for e in emails])
    found = repository.likely_duplicates(
        session,
        kind=kind,
        name_key=name_key,
        bridge_key=bridge,
        phones=phones,
        emails=emails,
        exclude=exclude,
    )
    if not found:
        return
    if force:
        if not caller.can("force_create"):
            raise PermissionDenied("creating a likely duplicate needs customers:force_create")
        return
    keys = custom_keys(session)
    existing = [
        present(caller, c, custom_keys=keys).model_dump(mode="json")
        if caller.sees(c)
        else {"id": str(c.id), "name": c.name, "visible": False}
        for c in found
    ]
    raise LikelyDuplicate(
        "a customer like this exists; send force=true to create it anyway", existing=existing
    )


def _check_field_rules(caller: Caller, customer: Customer | None, written: set[str]) -> None:
    """Fields the caller's roles make read-only, masked or hidden cannot be written."""
    refused = []
    for attribute in written:
        name = _field_name_for(attribute)
        if name in ("phones", "phone"):
            name = "phone"
        if name in ("emails", "email"):
            name = "email"
        if caller.grants.field_access("customers", name) is not FieldAccess.OPEN:
            refused.append(name)
        elif (
            customer is not None
            and name in ("phone", "email")
            and caller.field_access(name, customer) is not FieldAccess.OPEN
        ):
            refused.append(name)
    if refused:
        raise PermissionDenied(
            "you may not change these fields",
            errors=[
                FieldError(name, "read-only for you", "read_only") for name in sorted(set(refused))
            ],
        )


def snapshot(customer: Customer) -> dict[str, Any]:
    return {name: _plain(getattr(customer, name)) for name in TRACKED}


def _plain(value: Any) -> Any:
    if isinstance(value, (uuid.UUID,)):
        return str(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if value is not None and type(value).__name__ == "Decimal":
        return str(value)
    if isinstance(value, list):
        return list(value)
    if isinstance(value, dict):
        return dict(value)
    return value


def diff_snapshots(before: dict[str, Any], after: dict[str, Any]) -> list[dict[str, Any]]:
    changes = []
    for name in TRACKED:
        if name == "custom":
            old_custom, new_custom = before.get("custom") or {}, after.get("custom") or {}
            for key in sorted(set(old_custom) | set(new_custom)):
                if old_custom.get(key) != new_custom.get(key):
                    changes.append(
                        {
                            "field": f"custom.{key}",
                            "from": old_custom.get(key),
                            "to": new_custom.get(key),
                        }
                    )
        elif before.get(name) != after.get(name):
            changes.append({"field": name, "from": before.get(name), "to": after.get(name)})
    return changes


def record_change(
    session: Session, caller: Caller, customer: Customer, action: str, changes: list[dict[str, Any]]
) -> None:
    repository.add_change(
        session,
        CustomerChange(
            customer_id=customer.id, actor_id=caller.user_id, action=action, changes=changes
        ),
    )


def create_customer(session: Session, *, caller: Caller, data: CustomerCreate) -> Customer:
    caller.require("create")
    owner_id = data.owner_id or caller.user_id
    if owner_id is None:
        raise InvalidInput.on_field("owner_id", "required for service callers")
    if owner_id != caller.user_id and not caller.can("transfer"):
        raise PermissionDenied("creating a customer for someone else needs customers:transfer")
    if data.kind == "company" and data.birthday is not None:
        raise InvalidInput.on_field("birthday", "only persons have a birthday")
    written = {k for k in data.model_fields_set if getattr(data, k) not in (None, [], {})}
    _check_field_rules(caller, None, written - {"kind", "name", "force", "owner_id"})
    values = data.model_dump(exclude={"force", "custom", "phone", "phones", "email", "emails"})
    check_values(session, values)
    phones, emails = _contact_lists(data, None)
    name_key = _name_key(data.kind, data.name)
    _check_duplicates(
        session,
        caller=caller,
        kind=data.kind,
        name=data.name,
        name_key=name_key,
        phones=phones or [],
        emails=emails or [],
        force=data.force,
    )
    if values.get("department_id") is None:
        owner = staff.get(session, owner_id)  # the owner's department, as identity said
        values["department_id"] = owner.department_id if owner else None
    now = utcnow()
    customer = Customer(
        id=uuid.uuid4(),
        **{k: v for k, v in values.items() if k not in ("collaborator_ids", "tags", "owner_id")},
        owner_id=owner_id,
        name_key=name_key,
        name_bridge_key=bridge_key(data.name) if data.kind == "company" else None,
        phones=phones or [],
        emails=emails or [],
        tags=list(dict.fromkeys(data.tags or [])),
        collaborator_ids=[str(c) for c in dict.fromkeys(data.collaborator_ids or [])],
        created_by=caller.user_id,
        updated_by=caller.user_id,
        created_at=now,
        updated_at=now,
    )
    customer.custom = custom_fields.apply_values(
        session,
        entity=Entity.CUSTOMER,
        record_id=customer.id,
        incoming=data.custom or {},
        current=None,
    )
    geocoding.fill_coordinates(customer, written=set(data.model_fields_set))
    potential.score_new(customer)
    repository.add(session, customer)
    record_change(session, caller, customer, "created", diff_snapshots({}, snapshot(customer)))
    events.customer_event(session, "created", customer)
    return customer


def update_customer(
    session: Session,
    *,
    caller: Caller,
    customer_id: uuid.UUID,
    data: CustomerPatch,
    expected_version: int | None,
) -> Customer:
    customer = for_update(session, caller=caller, customer_id=customer_id)
    if expected_version is not None and expected_version != customer.version:
        raise PreconditionFailed("the customer changed since you read it", version=customer.version)
    written = set(data.model_fields_set) - {"force"}
    _check_field_rules(caller, customer, written)
    # Only what this write adds is checked: a duplicate that already existed blocks nothing.
    before_keys = {
        "name": customer.name_key,
        "phones": set(customer.phones),
        "emails": set(customer.emails),
    }
    if "owner_id" in written and data.owner_id != customer.owner_id:
        caller.require("transfer")
        if data.owner_id is None:
            raise InvalidInput.on_field("owner_id", "a customer always has an owner")
    before = snapshot(customer)
    values = data.model_dump(
        include=written - {"custom", "phone", "phones", "email", "emails"}, exclude_unset=True
    )
    if "name" in values and values["name"] is None:
        raise InvalidInput.on_field("name", "must not be empty", code="blank")
    if "status" in values and values["status"] is None:
        raise InvalidInput.on_field("status", "must not be empty", code="blank")
    if customer.kind == "company" and values.get("birthday") is not None:
        raise InvalidInput.on_field("birthday", "only persons have a birthday")
    check_values(session, values)
    phones, emails = _contact_lists(data, customer)
    for name, value in values.items():
        if name == "tags":
            value = list(dict.fromkeys(value or []))
        elif name == "collaborator_ids":
            value = [str(c) for c in dict.fromkeys(value or [])]
        setattr(customer, name, value)
    if "owner_id" in values:
        customer.owned_since = utcnow()  # a pool's reclaim counts from the hand-over
    if "owner_id" in values and "department_id" not in written:
        owner = staff.get(session, data.owner_id) if data.owner_id else None
        customer.department_id = owner.department_id if owner else None
    if phones is not None:
        customer.phones = phones
    if emails is not None:
        customer.emails = emails
    if "name" in values:
        customer.name = customer.name.strip()
        customer.name_key = _name_key(customer.kind, customer.name)
        if customer.kind == "company":
            customer.name_bridge_key = bridge_key(customer.name)
    with session.no_autoflush:  # a stale version must surface below as 412, not here
        _check_duplicates(
            session,
            caller=caller,
            kind=customer.kind,
            name=customer.name,
            name_key=customer.name_key if customer.name_key != before_keys["name"] else "",
            phones=[p for p in customer.phones if p not in before_keys["phones"]],
            emails=[e for e in customer.emails if e not in before_keys["emails"]],
            force=data.force,
            exclude=customer.id,
        )
    if "custom" in written:
        customer.custom = custom_fields.apply_values(
            session,
            entity=Entity.CUSTOMER,
            record_id=customer.id,
            incoming=data.custom or {},
            current=dict(customer.custom),
        )
    geocoding.fill_coordinates(customer, written=written)
    changes = diff_snapshots(before, snapshot(customer))
    if not changes:
        return customer
    customer.updated_by = caller.user_id
    customer.updated_at = utcnow()
    flush_versioned(session)
    if "level" in values:
        potential.recompute(session, customer)
    record_change(session, caller, customer, "updated", changes)
    events.customer_event(session, "updated", customer, changed=[c["field"] for c in changes])
    if before["owner_id"] != str(customer.owner_id):
        events.customer_event(
            session, "owner_changed", customer, previous_owner_id=before["owner_id"]
        )
    return customer


def flush_versioned(session: Session) -> None:
    """A concurrent writer got there first (the version moved under us): 412."""
    try:
        session.flush()
    except StaleDataError as exc:
        raise PreconditionFailed("the customer changed while you were saving") from exc


def delete_customer(session: Session, *, caller: Caller, customer_id: uuid.UUID) -> Customer:
    """To the recycle bin: hidden from lists and details, restorable."""
    caller.require("delete")
    customer = not_pooled(visible(session, caller=caller, customer_id=customer_id))
    customer.deleted_at = utcnow()
    customer.deleted_by = caller.user_id
    flush_versioned(session)
    record_change(session, caller, customer, "deleted", [])
    events.customer_event(session, "deleted", customer)
    return customer


def restore_customer(session: Session, *, caller: Caller, customer_id: uuid.UUID) -> Customer:
    caller.require("delete")
    customer = repository.get(session, customer_id)
    if (
        customer is None
        or not caller.sees(customer)
        or customer.deleted_at is None
        or customer.merged_into_id is not None
    ):
        raise NotFound("no such customer in the recycle bin")
    customer.deleted_at = None
    customer.deleted_by = None
    customer.updated_at = utcnow()
    flush_versioned(session)
    record_change(session, caller, customer, "restored", [])
    events.customer_event(session, "restored", customer)
    return customer


def touch_follow_up(
    session: Session,
    *,
    caller: Caller,
    customer: Customer,
    at: datetime,
    next_at: datetime | None,
) -> None:
    """A follow-up moves the customer's last (and, when given, next) follow-up time."""
    if customer.last_follow_up_at is None or at > customer.last_follow_up_at:
        customer.last_follow_up_at = at
    if next_at is not None:
        customer.next_follow_up_at = next_at
    customer.updated_at = utcnow()
    flush_versioned(session)
