"""Releasing listed customers to a pool at once (`customers/bulk/release`): each through the
single release's rules in its own savepoint, refusals named (never across scope or tenants),
bad input refused as a whole with nothing moved."""

from typing import Any

from customers_testkit import Org
from pools_testkit import default_pool, moves, sales_team

PATH = "/api/v1/customers/bulk/release"


def team_with_customers(org: Org) -> dict[str, str]:
    """rita owns R1, R2 and R3, sam S1; P1 is already in the default pool. `vic` sees every
    customer (scope all) but manages no pool."""
    sales_team(org)
    org.add_user("vic", role_ids=(org.role("viewer-all", scope="all"),))
    ids = {
        name: org.customer(name, as_=owner)["id"]
        for name, owner in (("R1", "rita"), ("R2", "rita"), ("R3", "rita"), ("S1", "sam"))
    }
    ids["P1"] = org.customer("P1", as_="rita")["id"]
    released = org.post(f"/api/v1/customers/{ids['P1']}/release", {"reason": "gone"}, as_="rita")
    assert released.status_code == 200, released.text
    return ids


def owner_and_pool(org: Org, customer_id: str) -> tuple[Any, Any]:
    customer = org.get(f"/api/v1/customers/{customer_id}").json()
    return customer["owner_id"], customer["pool_id"]


def test_each_customer_is_released_by_the_single_rules_and_refusals_are_named(
    acme: Org, globex: Org
) -> None:
    mine = team_with_customers(acme)
    theirs = team_with_customers(globex)
    pool = default_pool(acme)["id"]
    asked = [mine["R1"], mine["S1"], mine["P1"], theirs["R1"], mine["R2"], mine["R1"]]
    response = acme.post(PATH, {"ids": asked, "reason": "  no budget  "}, as_="rita")
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["done"] == [mine["R1"], mine["R2"]]
    refused = {r["id"]: (r["name"], r["code"]) for r in result["refused"]}
    # sam's customer is outside rita's scope, globex's does not exist for her: no names.
    assert refused == {
        mine["S1"]: (None, "not_found"),
        mine["P1"]: ("P1", "customer_in_pool"),
        theirs["R1"]: (None, "not_found"),
    }
    assert owner_and_pool(acme, mine["R1"]) == (None, pool)
    assert owner_and_pool(acme, mine["S1"]) == (acme.ids["sam"], None)
    assert moves(acme, mine["R2"]) == ["released"]
    events = acme.events("customers.customer.released")
    assert sorted(e["id"] for e in events if e["id"] != mine["P1"]) == sorted(
        [mine["R1"], mine["R2"]]
    )
    assert {e["reason"] for e in events if e["id"] != mine["P1"]} == {"no budget"}
    # Globex's customers kept their owners, and none of Acme's moved there.
    assert owner_and_pool(globex, theirs["R1"]) == (globex.ids["rita"], None)
    assert globex.get(f"/api/v1/pools/{default_pool(globex)['id']}").json()["customer_count"] == 1

    # vic sees rita's customers but neither owns them nor manages pools: named refusals.
    by_vic = acme.post(PATH, {"ids": [mine["R3"]], "reason": "x"}, as_="vic").json()
    assert by_vic["done"] == []
    assert [(r["name"], r["code"]) for r in by_vic["refused"]] == [("R3", "permission_denied")]
    # A pool manager releases rita's and sam's to a pool of his choice.
    east = acme.created("/api/v1/pools", {"name": "East"}, as_="mgr")["id"]
    managed = acme.post(
        PATH, {"ids": [mine["R3"], mine["S1"]], "reason": "rebalance", "pool_id": east}, as_="mgr"
    )
    assert managed.json() == {"done": [mine["R3"], mine["S1"]], "refused": []}
    assert owner_and_pool(acme, mine["S1"]) == (None, east)
    # Globex's manager reaches none of Acme's.
    foreign = globex.post(PATH, {"ids": [mine["R1"], mine["R3"]], "reason": "x"}, as_="mgr")
    assert foreign.json()["done"] == []
    assert {r["name"] for r in foreign.json()["refused"]} == {None}


def test_bad_input_refuses_the_whole_request_and_moves_nothing(acme: Org, globex: Org) -> None:
    mine = team_with_customers(acme)
    theirs = team_with_customers(globex)
    foreign_pool = default_pool(globex)["id"]
    ids = [mine["R1"], mine["R2"]]
    for body, field in (
        ({"ids": ids, "reason": "   "}, "reason"),
        ({"ids": ids}, "reason"),
        ({"ids": ids, "reason": "x" * 501}, "reason"),
        ({"ids": ids, "reason": "ok", "pool_id": foreign_pool}, "pool_id"),
        ({"ids": [], "reason": "ok"}, "ids"),
        ({"ids": [mine["R1"], "not-an-id"], "reason": "ok"}, "ids"),
        ({"ids": [mine["R1"]] * 501, "reason": "ok"}, "ids"),
    ):
        response = acme.post(PATH, body, as_="rita")
        assert response.status_code == 422, body
        assert response.json()["errors"][0]["field"].split(".")[0] == field, response.text
    assert [owner_and_pool(acme, i) for i in ids] == [(acme.ids["rita"], None)] * 2
    assert moves(acme, mine["R1"]) == []
    assert [e["id"] for e in acme.events("customers.customer.released")] == [mine["P1"]]
    assert owner_and_pool(globex, theirs["R1"]) == (globex.ids["rita"], None)
