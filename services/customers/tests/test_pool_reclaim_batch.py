"""Many customers' standing with the pools in one call (`GET customers/reclaim?ids=`): the
console's list asks for exactly its rows, so a rep with more customers due than
`pools/reclaim-soon` returns still gets a countdown on each."""

import uuid
from datetime import datetime, timedelta
from typing import Any

from customers_testkit import Org
from pools_testkit import default_pool, sales_team, set_rules

from crm_customers.customers.models import Customer
from crm_customers.db import utcnow
from crm_customers.pools import repository
from crmkit.tenancy import tenant_context

PATH = "/api/v1/customers/reclaim"


def seed_owned(org: Org, owner: str, count: int, *, created_at: datetime) -> list[str]:
    """`count` customers of `owner`, written in one insert (the API would take minutes)."""
    owner_id = uuid.UUID(org.ids[owner])
    rows: list[dict[str, Any]] = [
        {
            "id": uuid.uuid4(),
            "kind": "company",
            "name": f"Seeded {n:03}",
            "name_key": f"seeded {n:03}",
            "status": "new",
            "owner_id": owner_id,
            "created_by": owner_id,
            "created_at": created_at,
            "updated_at": created_at,
            "owned_since": created_at,
        }
        for n in range(count)
    ]
    with tenant_context(uuid.UUID(org.tenant_id)), org.world.db.tenant_transaction() as session:
        repository.insert_rows(session, Customer, rows)
    return [str(row["id"]) for row in rows]


def statuses(org: Org, ids: list[str], as_: str) -> list[dict[str, Any]]:
    response = org.get(PATH, as_=as_, params={"ids": ",".join(ids)})
    assert response.status_code == 200, response.text
    return list(response.json()["items"])


def test_every_asked_customer_gets_its_countdown_beyond_the_reclaim_soon_cap(
    acme: Org, globex: Org
) -> None:
    for org in (acme, globex):
        sales_team(org)
    pool = default_pool(acme)
    set_rules(
        acme, pool["id"], reclaim_enabled=True, no_follow_up_days={"*": 5}, remind_days_before=2
    )
    owned_at = utcnow() - timedelta(days=1)
    seeded = seed_owned(acme, "rita", 130, created_at=owned_at)
    locked = acme.customer("Locked Co", as_="rita")["id"]
    assert acme.put(f"/api/v1/customers/{locked}/reclaim-lock", {"locked": True}).status_code == 200
    pooled = acme.customer("Pooled Co", as_="rita")["id"]
    released = acme.post(f"/api/v1/customers/{pooled}/release", {"reason": "cold"}, as_="rita")
    assert released.status_code == 200, released.text
    sams = acme.customer("Sam's Co", as_="sam")["id"]
    theirs = globex.customer("Globex Co", as_="rita")["id"]

    # reclaim-soon stops at 100 of rita's 130 due customers ...
    soon = acme.get("/api/v1/pools/reclaim-soon", as_="rita", params={"days": 30}).json()
    assert len(soon["items"]) == 100
    # ... the batch answers each asked one: one page of 96 seeded and four others, then
    # the 34 seeded left.
    first = [*seeded[:96], locked, pooled, sams, theirs]
    answered = statuses(acme, first, as_="rita")
    # Sam's (out of her scope) and Globex's (another tenant) are simply absent, the rest in
    # the order asked.
    assert [s["customer_id"] for s in answered] == [*seeded[:96], locked, pooled]
    due = [s for s in answered if s["reclaim_at"] is not None]
    assert [s["customer_id"] for s in due] == seeded[:96]
    for status in due:
        when = datetime.fromisoformat(status["reclaim_at"])
        assert abs(when - (owned_at + timedelta(days=5))) < timedelta(seconds=1)
        assert (status["pool_id"], status["remind_days_before"]) == (pool["id"], 2)
    rest = statuses(acme, seeded[96:], as_="rita")
    assert len(rest) == 34
    assert all(s["reclaim_at"] is not None for s in rest)

    # Each answer is what `customers/{id}/reclaim` says for that customer.
    by_id = {s["customer_id"]: s for s in answered}
    for customer_id in (seeded[0], locked, pooled):
        single = acme.get(f"/api/v1/customers/{customer_id}/reclaim", as_="rita").json()
        assert by_id[customer_id] == single
    assert (by_id[locked]["reclaim_locked"], by_id[locked]["reclaim_at"]) == (True, None)
    assert (by_id[pooled]["pooled"], by_id[pooled]["reclaim_at"]) == (True, None)
    assert by_id[pooled]["pool_name"] == "Default pool"

    # A manager sees sam's too; Globex sees none of Acme's, and its own without countdown.
    managed = statuses(acme, [sams, theirs, seeded[0]], as_="mgr")
    assert [s["customer_id"] for s in managed] == [sams, seeded[0]]
    assert statuses(globex, [seeded[0], locked, pooled], as_="mgr") == []
    [their_status] = statuses(globex, [theirs, sams], as_="rita")
    assert their_status["customer_id"] == theirs
    assert their_status["reclaim_at"] is None


def test_too_many_or_malformed_ids_are_refused_naming_ids(acme: Org, globex: Org) -> None:
    customer = acme.customer("Asked Co")["id"]
    globex.customer("Globex Asked Co")
    too_many = [customer, *(str(uuid.uuid4()) for _ in range(100))]
    for ids in (",".join(too_many), f"{customer},not-an-id", " , "):
        response = acme.get(PATH, params={"ids": ids})
        assert response.status_code == 422, ids
        assert response.json()["errors"][0]["field"] == "ids"
    assert acme.get(PATH).status_code == 422
    # A hundred is fine (the unknown ones are simply not answered).
    answered = acme.get(PATH, params={"ids": ",".join(too_many[:100])})
    assert answered.status_code == 200, answered.text
    assert [s["customer_id"] for s in answered.json()["items"]] == [customer]
    # `reclaim` is not read as a customer id by `GET customers/{id}`.
    assert globex.get(PATH, params={"ids": customer}).json()["items"] == []
