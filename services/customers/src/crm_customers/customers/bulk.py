"""Changes applied to a list of customers at once (the console's bulk actions).

Each customer is changed in its own savepoint through the same rules as a single `PATCH`
or `release` (scope, field rules, pools, history, events): one refused customer does not undo the
others, and the answer names each refusal. Input that is wrong for every customer (an
unknown tag, an inactive new owner, a missing permission) refuses the whole request.
"""

import uuid
from collections.abc import Callable

from fastapi import APIRouter
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from crm_customers.common.access import Caller
from crm_customers.common.http import CurrentCaller
from crm_customers.customers import repository, service
from crm_customers.customers.models import Customer
from crm_customers.customers.schemas import CustomerPatch
from crm_customers.db import utcnow
from crm_customers.dictionaries.service import check_values
from crm_customers.pools import service as pools
from crm_customers.pools.membership import browses as pool_browses
from crm_customers.pools.schemas import ReleaseIn
from crm_customers.staff import repository as staff
from crmkit.errors import CrmError, InvalidInput, NotFound, PermissionDenied
from crmkit.http import TenantSession

router = APIRouter(prefix="/api/v1", tags=["customers"])

MAX_IDS = 500
Ids = list[uuid.UUID]


class BulkTagsIn(BaseModel):
    ids: Ids = Field(min_length=1, max_length=MAX_IDS)
    add: list[str] = Field(default_factory=list, max_length=50)
    remove: list[str] = Field(default_factory=list, max_length=50)


class BulkTransferIn(BaseModel):
    ids: Ids = Field(min_length=1, max_length=MAX_IDS)
    owner_id: uuid.UUID


class BulkReleaseIn(ReleaseIn):
    ids: Ids = Field(min_length=1, max_length=MAX_IDS)


class Refusal(BaseModel):
    id: uuid.UUID
    name: str | None = Field(description="Null when the caller may not see the customer")
    code: str
    detail: str


class BulkResult(BaseModel):
    done: list[uuid.UUID]
    refused: list[Refusal]


ERRORS: dict[int | str, dict[str, str]] = {
    403: {
        "description": "Missing permission (`customers:update`, `customers:transfer`); "
        "a service token releases nothing"
    },
    422: {"description": "Invalid input; `errors` names the field"},
}


def _name_if_visible(session: Session, caller: Caller, customer_id: uuid.UUID) -> str | None:
    customer = repository.get(session, customer_id)
    if customer is None or not (caller.sees(customer) or pool_browses(session, caller, customer)):
        return None
    return customer.name


def each(
    session: Session, *, caller: Caller, ids: Ids, change: Callable[[uuid.UUID], object]
) -> BulkResult:
    """`change` each customer in its own savepoint; a refusal undoes only that customer."""
    done: list[uuid.UUID] = []
    refused: list[Refusal] = []
    for customer_id in dict.fromkeys(ids):
        try:
            with session.begin_nested():
                change(customer_id)
        except CrmError as error:
            # Out of scope is NotFound: its name stays unknown to the caller.
            name = (
                None
                if isinstance(error, NotFound)
                else _name_if_visible(session, caller, customer_id)
            )
            refused.append(Refusal(id=customer_id, name=name, code=error.code, detail=error.detail))
        else:
            done.append(customer_id)
    return BulkResult(done=done, refused=refused)


def apply_each(
    session: Session,
    *,
    caller: Caller,
    ids: Ids,
    patch_for: Callable[[Customer], CustomerPatch],
) -> BulkResult:
    def patch(customer_id: uuid.UUID) -> None:
        customer = service.for_update(session, caller=caller, customer_id=customer_id)
        service.update_customer(
            session,
            caller=caller,
            customer_id=customer_id,
            data=patch_for(customer),
            expected_version=None,
        )

    return each(session, caller=caller, ids=ids, change=patch)


def retag(tags: list[str], *, add: list[str], remove: list[str]) -> list[str]:
    kept = [t for t in tags if t not in remove]
    return list(dict.fromkeys([*kept, *add]))


@router.post("/customers/bulk/tags", response_model=BulkResult, responses=ERRORS)
def bulk_tags(data: BulkTagsIn, session: TenantSession, caller: CurrentCaller) -> BulkResult:
    """Add and remove tags on listed customers; `refused` names those left unchanged."""
    caller.require("update")
    if not data.add and not data.remove:
        raise InvalidInput.on_field("add", "name a tag to add or to remove")
    check_values(session, {"tags": data.add})
    return apply_each(
        session,
        caller=caller,
        ids=data.ids,
        patch_for=lambda c: CustomerPatch(tags=retag(c.tags, add=data.add, remove=data.remove)),
    )


@router.post("/customers/bulk/transfer", response_model=BulkResult, responses=ERRORS)
def bulk_transfer(
    data: BulkTransferIn, session: TenantSession, caller: CurrentCaller
) -> BulkResult:
    """Give listed customers to another owner (`customers:transfer`)."""
    caller.require("update")
    caller.require("transfer")
    owner = staff.get(session, data.owner_id)
    if owner is None or owner.status != "active":
        raise InvalidInput.on_field("owner_id", "no such active user")
    return apply_each(
        session,
        caller=caller,
        ids=data.ids,
        patch_for=lambda _: CustomerPatch(owner_id=data.owner_id),
    )


@router.post("/customers/bulk/release", response_model=BulkResult, responses=ERRORS)
def bulk_release(data: BulkReleaseIn, session: TenantSession, caller: CurrentCaller) -> BulkResult:
    """Give listed customers up to a pool (the default one unless `pool_id`), each as a single
    `customers/{id}/release` would: their owner or a pool manager, with the `reason`."""
    caller.require("view")
    if caller.user_id is None:
        raise PermissionDenied("only users release customers")
    pools.target_pool(session, data.pool_id, field="pool_id")  # wrong for all: refuse all
    single = ReleaseIn(reason=data.reason, pool_id=data.pool_id)
    now = utcnow()
    return each(
        session,
        caller=caller,
        ids=data.ids,
        change=lambda customer_id: pools.release(
            session, caller=caller, customer_id=customer_id, data=single, now=now
        ),
    )
