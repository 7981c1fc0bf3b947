"""What the customers module publishes. `data` is the record as its owner sees it (nothing
masked): consumers (search, files) apply the reader's scope and field rules themselves,
from `owner_id`, `collaborator_ids` and identity's grants."""

from typing import Any

from sqlalchemy.orm import Session

from crm_customers.customers.models import Customer
from crmkit.events.outbox import record_event

SOURCE = "/crm/customers"


def customer_data(customer: Customer) -> dict[str, Any]:
    return {
        "id": str(customer.id),
        "kind": customer.kind,
        "name": customer.name,
        "short_name": customer.short_name,
        "phones": list(customer.phones),
        "emails": list(customer.emails),
        "website": customer.website,
        "province": customer.province,
        "city": customer.city,
        "district": customer.district,
        "street": customer.street,
        "latitude": None if customer.latitude is None else str(customer.latitude),
        "longitude": None if customer.longitude is None else str(customer.longitude),
        "industry": customer.industry,
        "scale": customer.scale,
        "source": customer.source,
        "level": customer.level,
        "status": customer.status,
        "tags": list(customer.tags),
        "owner_id": str(customer.owner_id) if customer.owner_id else None,
        "pool_id": str(customer.pool_id) if customer.pool_id else None,
        "department_id": str(customer.department_id) if customer.department_id else None,
        "collaborator_ids": list(customer.collaborator_ids),
        "credit_rating": customer.credit_rating,
        "birthday": customer.birthday.isoformat() if customer.birthday else None,
        "notes": customer.notes,
        "custom": dict(customer.custom),
        "version": customer.version,
        "created_at": customer.created_at.isoformat() if customer.created_at else None,
        "updated_at": customer.updated_at.isoformat() if customer.updated_at else None,
        "last_follow_up_at": _iso(customer.last_follow_up_at),
        "next_follow_up_at": _iso(customer.next_follow_up_at),
        "deleted_at": _iso(customer.deleted_at),
        "merged_into_id": str(customer.merged_into_id) if customer.merged_into_id else None,
    }


def _iso(value: Any) -> str | None:
    return None if value is None else str(value.isoformat())


def publish(session: Session, verb: str, data: dict[str, Any], aggregate: str = "customer") -> None:
    record_event(session, type=f"customers.{aggregate}.{verb}", data=data, source=SOURCE)


def customer_event(session: Session, verb: str, customer: Customer, **extra: Any) -> None:
    searchable = {"searchable_custom": searchable_custom_keys(session)}
    publish(session, verb, {**customer_data(customer), **searchable, **extra})


def searchable_custom_keys(session: Session) -> list[str]:
    """Custom keys marked `searchable`: the search service indexes only these."""
    from crm_customers.custom_fields import repository as custom_fields

    return sorted(f.key for f in custom_fields.active(session, "customer") if f.searchable)
