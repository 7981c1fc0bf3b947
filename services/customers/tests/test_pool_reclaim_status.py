"""One customer's standing with the pools (`GET customers/{id}/reclaim`: the countdown the
console shows on its page), and a pool manager releasing someone else's customer."""

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from customers_testkit import Org
from pools_testkit import default_pool, moves, sales_team, set_rules

from crm_customers.db import utcnow
from crm_proto.crm.customers.v1 import customers_pb2, customers_pb2_grpc
from crmkit.grpc import GrpcServer, make_channel


@pytest.fixture
def stub(customers_grpc: GrpcServer) -> Iterator[Any]:
    channel = make_channel(f"127.0.0.1:{customers_grpc.port}")
    yield customers_pb2_grpc.CustomersServiceStub(channel)
    channel.close()


def test_a_customer_says_when_reclaim_takes_it_back(acme: Org, globex: Org) -> None:
    for org in (acme, globex):
        sales_team(org)
    pool = default_pool(acme)
    set_rules(
        acme, pool["id"], reclaim_enabled=True, no_follow_up_days={"*": 5}, remind_days_before=2
    )
    t0 = utcnow()
    soon = acme.customer("Soon Co", as_="rita")["id"]
    locked = acme.customer("Locked Co", as_="rita")["id"]
    assert acme.put(f"/api/v1/customers/{locked}/reclaim-lock", {"locked": True}).status_code == 200
    theirs = globex.customer("Globex Co", as_="rita")["id"]

    answer = acme.get(f"/api/v1/customers/{soon}/reclaim", as_="rita")
    assert answer.status_code == 200, answer.text
    status = answer.json()
    assert status["pooled"] is False
    assert status["owner_id"] == acme.ids["rita"]
    assert (status["pool_id"], status["pool_name"]) == (pool["id"], "Default pool")
    assert status["remind_days_before"] == 2
    when = datetime.fromisoformat(status["reclaim_at"])
    assert abs(when - (t0 + timedelta(days=5))) < timedelta(minutes=5)
    # The same deadline the owner's reclaim-soon list gives (one computation).
    [listed] = acme.get("/api/v1/pools/reclaim-soon", as_="rita").json()["items"]
    assert listed["customer_id"] == soon
    assert datetime.fromisoformat(listed["reclaim_at"]) == when
    assert listed["remind_days_before"] == 2
    # A manager sees the same for the rep's customer; a locked one is never reclaimed.
    assert (
        acme.get(f"/api/v1/customers/{soon}/reclaim", as_="mgr").json()["reclaim_at"]
        == (status["reclaim_at"])
    )
    locked_status = acme.get(f"/api/v1/customers/{locked}/reclaim", as_="rita").json()
    assert locked_status["reclaim_locked"] is True
    assert locked_status["reclaim_at"] is None

    # Released: it is in the pool now, with no countdown.
    released = acme.post(f"/api/v1/customers/{soon}/release", {"reason": "cold"}, as_="rita")
    assert released.status_code == 200, released.text
    pooled = acme.get(f"/api/v1/customers/{soon}/reclaim", as_="sam").json()
    assert pooled["pooled"] is True
    assert pooled["owner_id"] is None
    assert (pooled["pool_id"], pooled["pool_name"]) == (pool["id"], "Default pool")
    assert pooled["reclaim_at"] is None

    # Globex's default pool reclaims nothing yet: no countdown there.
    their_status = globex.get(f"/api/v1/customers/{theirs}/reclaim", as_="rita").json()
    assert their_status["reclaim_at"] is None
    assert their_status["pooled"] is False
    # Out of scope or another tenant's: 404.
    assert acme.get(f"/api/v1/customers/{locked}/reclaim", as_="sam").status_code == 404
    assert acme.get(f"/api/v1/customers/{theirs}/reclaim", as_="mgr").status_code == 404
    assert globex.get(f"/api/v1/customers/{locked}/reclaim", as_="mgr").status_code == 404


def test_a_pool_manager_releases_a_reps_customer(acme: Org, globex: Org) -> None:
    for org in (acme, globex):
        sales_team(org)
    customer = acme.customer("Handed back Co", as_="rita")["id"]
    theirs = globex.customer("Globex kept Co", as_="rita")["id"]
    path = f"/api/v1/customers/{customer}/release"
    # Another rep does not even see it; a manager of another tenant neither.
    assert acme.post(path, {"reason": "x"}, as_="sam").status_code == 404
    assert globex.post(path, {"reason": "x"}, as_="mgr").status_code == 404
    released = acme.post(path, {"reason": "rep left the account"}, as_="mgr")
    assert released.status_code == 200, released.text
    assert released.json()["owner_id"] is None
    assert released.json()["pool_id"] == default_pool(acme)["id"]
    assert moves(acme, customer) == ["released"]
    [event] = acme.events("customers.customer.released")
    assert event["previous_owner_id"] == acme.ids["rita"]
    assert event["actor_id"] == acme.ids["mgr"]
    # Globex's customer stayed with its owner.
    assert globex.get(f"/api/v1/customers/{theirs}").json()["owner_id"] == globex.ids["rita"]


def test_pool_members_may_view_a_pooled_customer_over_grpc_too(
    stub: Any, acme: Org, globex: Org
) -> None:
    """Files and other services ask `CheckAccess`: a pool member sees a pooled customer there
    as on `GET customers/{id}` (read-only), or its files panel would refuse them."""
    for org in (acme, globex):
        sales_team(org)
    customer = acme.customer("Pooled files Co", as_="rita")["id"]
    released = acme.post(f"/api/v1/customers/{customer}/release", {"reason": "x"}, as_="rita")
    assert released.status_code == 200, released.text
    owned = acme.customer("Still Rita's Co", as_="rita")["id"]

    def check(org: Org, who: str, record_id: str) -> tuple[bool, bool]:
        answer = stub.CheckAccess(
            customers_pb2.CheckAccessRequest(
                record_type=customers_pb2.RECORD_TYPE_CUSTOMER, record_id=record_id
            ),
            metadata=(("authorization", f"Bearer {org.tokens[who]}"),),
        )
        return answer.can_view, answer.can_edit

    assert acme.get(f"/api/v1/customers/{customer}", as_="sam").status_code == 200
    assert check(acme, "sam", customer) == (True, False)
    assert check(acme, "rita", customer) == (True, False)
    assert check(acme, "sam", owned) == (False, False)  # owned by another rep: still hidden
    assert check(globex, "sam", customer) == (False, False)
