import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response
from fastapi.responses import JSONResponse, RedirectResponse

from crm_customers.common.http import CurrentCaller, Filters, IfMatch, Limit, etag
from crm_customers.customers import merging, service
from crm_customers.customers.schemas import (
    ChangePage,
    Created,
    CustomerCreate,
    CustomerOut,
    CustomerPage,
    CustomerPatch,
    DuplicateGroups,
    DuplicateRules,
    MergeIn,
)
from crm_customers.settings import get_customers_settings
from crmkit.http import TenantSession

router = APIRouter(prefix="/api/v1", tags=["customers"])

ERRORS: dict[int | str, dict[str, str]] = {
    404: {"description": "No such customer (or outside your data scope)"},
    412: {"description": "The customer changed since the version in If-Match"},
    422: {"description": "Invalid input; `errors` names the field"},
}


@router.post(
    "/customers",
    status_code=201,
    response_model=Created,
    responses={409: {"description": "A likely duplicate exists (`existing`)"}, **ERRORS},
)
def create_customer(
    data: CustomerCreate, session: TenantSession, caller: CurrentCaller, response: Response
) -> Created:
    customer = service.create_customer(session, caller=caller, data=data)
    response.headers.update(etag(customer.version))
    response.headers["Location"] = f"/api/v1/customers/{customer.id}"
    keys = service.custom_keys(session)
    return Created(
        id=customer.id,
        version=customer.version,
        customer=service.present(caller, customer, custom_keys=keys),
    )


@router.get("/customers", response_model=CustomerPage, responses=ERRORS)
def list_customers(
    session: TenantSession,
    caller: CurrentCaller,
    filters: Filters = [],  # noqa: B006 - FastAPI copies query defaults
    sort: Annotated[str | None, Query(description="A field, `-` first for descending")] = None,
    limit: Limit = 20,
    cursor: str | None = None,
    with_total: bool = True,
) -> CustomerPage:
    result = service.list_customers(
        session,
        caller=caller,
        filters=filters,
        sort=sort,
        limit=limit,
        cursor=cursor,
        with_total=with_total,
        total_threshold=get_customers_settings().exact_total_limit,
    )
    return CustomerPage(
        items=result.items,
        next_cursor=result.next_cursor,
        total=result.total,
        total_is_estimate=result.total_is_estimate,
    )


@router.get("/customers/recycle-bin", response_model=CustomerPage, responses=ERRORS)
def recycle_bin(
    session: TenantSession,
    caller: CurrentCaller,
    filters: Filters = [],  # noqa: B006
    limit: Limit = 20,
    cursor: str | None = None,
) -> CustomerPage:
    result = service.list_customers(
        session,
        caller=caller,
        filters=filters,
        sort="-updated_at",
        limit=limit,
        cursor=cursor,
        deleted=True,
    )
    return CustomerPage(
        items=result.items,
        next_cursor=result.next_cursor,
        total=result.total,
        total_is_estimate=result.total_is_estimate,
    )


@router.get("/customers/duplicates", response_model=DuplicateGroups)
def duplicates(session: TenantSession, caller: CurrentCaller) -> DuplicateGroups:
    """Groups of likely duplicates among the customers the caller sees."""
    return DuplicateGroups(items=merging.duplicate_groups(session, caller=caller))


@router.get("/duplicate-rules", response_model=DuplicateRules)
def get_duplicate_rules(session: TenantSession, caller: CurrentCaller) -> DuplicateRules:
    caller.require("view")
    return service.duplicate_rules(session)


@router.put("/duplicate-rules", response_model=DuplicateRules)
def put_duplicate_rules(
    rules: DuplicateRules, session: TenantSession, caller: CurrentCaller
) -> DuplicateRules:
    return service.set_duplicate_rules(session, caller=caller, rules=rules)


@router.get(
    "/customers/{customer_id}",
    response_model=CustomerOut,
    responses={301: {"description": "Merged into another customer (Location)"}, **ERRORS},
)
def get_customer(
    customer_id: uuid.UUID, session: TenantSession, caller: CurrentCaller, response: Response
) -> CustomerOut | JSONResponse:
    try:
        customer = service.visible(session, caller=caller, customer_id=customer_id)
    except service.CustomerMerged as merged:
        survivor = merged.extra["survivor_id"]
        redirect = RedirectResponse(f"/api/v1/customers/{survivor}", status_code=301)
        return JSONResponse(
            merged.problem(instance=f"/api/v1/customers/{customer_id}"),
            status_code=301,
            headers=dict(redirect.headers),
            media_type="application/problem+json",
        )
    response.headers.update(etag(customer.version))
    return service.present(caller, customer, custom_keys=service.custom_keys(session))


@router.patch("/customers/{customer_id}", response_model=CustomerOut, responses=ERRORS)
def update_customer(
    customer_id: uuid.UUID,
    data: CustomerPatch,
    session: TenantSession,
    caller: CurrentCaller,
    version: IfMatch,
    response: Response,
) -> CustomerOut:
    customer = service.update_customer(
        session, caller=caller, customer_id=customer_id, data=data, expected_version=version
    )
    response.headers.update(etag(customer.version))
    return service.present(caller, customer, custom_keys=service.custom_keys(session))


@router.delete("/customers/{customer_id}", status_code=204, responses=ERRORS)
def delete_customer(customer_id: uuid.UUID, session: TenantSession, caller: CurrentCaller) -> None:
    service.delete_customer(session, caller=caller, customer_id=customer_id)


@router.post("/customers/{customer_id}/restore", response_model=CustomerOut, responses=ERRORS)
def restore_customer(
    customer_id: uuid.UUID, session: TenantSession, caller: CurrentCaller
) -> CustomerOut:
    customer = service.restore_customer(session, caller=caller, customer_id=customer_id)
    return service.present(caller, customer, custom_keys=service.custom_keys(session))


@router.post("/customers/{customer_id}/merge", response_model=CustomerOut, responses=ERRORS)
def merge(
    customer_id: uuid.UUID, data: MergeIn, session: TenantSession, caller: CurrentCaller
) -> CustomerOut:
    """Merge `from_id` into this customer; `from_id` then redirects here."""
    survivor = merging.merge(session, caller=caller, survivor_id=customer_id, loser_id=data.from_id)
    return service.present(caller, survivor, custom_keys=service.custom_keys(session))


@router.get("/customers/{customer_id}/history", response_model=ChangePage, responses=ERRORS)
def change_history(
    customer_id: uuid.UUID,
    session: TenantSession,
    caller: CurrentCaller,
    limit: Limit = 50,
    cursor: str | None = None,
) -> ChangePage:
    items, next_cursor = service.change_history(
        session, caller=caller, customer_id=customer_id, limit=limit, cursor=cursor
    )
    return ChangePage(items=items, next_cursor=next_cursor)
