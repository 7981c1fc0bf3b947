"""Bulk changes of listed customers: tags and transfers, each customer through the rules of a
single change (scope, pools, events), refusals named one by one, never across tenants."""

from typing import Any

from customers_testkit import Org
from pools_testkit import default_pool, sales_team


def team_with_customers(org: Org) -> dict[str, str]:
    """rita owns two customers, sam one; a pooled one sits in the default pool."""
    sales_team(org)
    org.created("/api/v1/categories/tag", {"key": "vip", "label": "VIP"})
    org.created("/api/v1/categories/tag", {"key": "cold", "label": "Cold"})
    ids = {
        name: org.customer(name, as_=owner, tags=["cold"])["id"]
        for name, owner in (("R1", "rita"), ("R2", "rita"), ("S1", "sam"), ("P1", "rita"))
    }
    released = org.post(f"/api/v1/customers/{ids['P1']}/release", {"reason": "gone"}, as_="rita")
    assert released.status_code == 200, released.text
    return ids


def tags_of(org: Org, customer_id: str) -> list[str]:
    return list(org.get(f"/api/v1/customers/{customer_id}", as_="mgr").json()["tags"])


def bulk(org: Org, action: str, body: dict[str, Any], as_: str) -> Any:
    return org.post(f"/api/v1/customers/bulk/{action}", body, as_=as_)


def test_tags_change_what_the_caller_may_change_and_name_the_rest(acme: Org, globex: Org) -> None:
    acme_ids = team_with_customers(acme)
    globex_ids = team_with_customers(globex)
    ids = [acme_ids["R1"], acme_ids["R2"], acme_ids["S1"], acme_ids["P1"], globex_ids["R1"]]
    response = bulk(acme, "tags", {"ids": ids, "add": ["vip"], "remove": ["cold"]}, as_="rita")
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["done"] == [acme_ids["R1"], acme_ids["R2"]]
    refused = {r["id"]: r for r in result["refused"]}
    # sam's customer is outside rita's scope and globex's does not exist for her: no names.
    assert refused[acme_ids["S1"]]["name"] is None
    assert refused[acme_ids["S1"]]["code"] == "not_found"
    assert refused[globex_ids["R1"]]["name"] is None
    assert refused[acme_ids["P1"]] | {"detail": ""} == {
        "id": acme_ids["P1"],
        "name": "P1",
        "code": "customer_in_pool",
        "detail": "",
    }
    assert tags_of(acme, acme_ids["R1"]) == ["vip"]
    assert tags_of(acme, acme_ids["S1"]) == ["cold"]
    assert tags_of(globex, globex_ids["R1"]) == ["cold"]
    found = acme.names("/api/v1/customers", as_="mgr", filter="tags:eq:vip")
    assert found == {"R1", "R2"}
    updated = [e for e in acme.events("customers.customer.updated") if "tags" in e["changed"]]
    assert {e["id"] for e in updated} == {acme_ids["R1"], acme_ids["R2"]}
    assert globex.events("customers.customer.updated") == []


def test_bad_tag_input_refuses_the_whole_request(acme: Org, globex: Org) -> None:
    acme_ids = team_with_customers(acme)
    team_with_customers(globex)
    unknown = bulk(acme, "tags", {"ids": [acme_ids["R1"]], "add": ["nope"]}, as_="rita")
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["field"] == "tags"
    empty = bulk(acme, "tags", {"ids": [acme_ids["R1"]]}, as_="rita")
    assert empty.status_code == 422
    assert empty.json()["errors"][0]["field"] == "add"
    assert tags_of(acme, acme_ids["R1"]) == ["cold"]


def test_transfer_needs_the_permission_and_an_active_owner(acme: Org, globex: Org) -> None:
    acme_ids = team_with_customers(acme)
    globex_ids = team_with_customers(globex)
    for org in (acme, globex):
        org.add_user("boss", role_ids=(org.role("boss", scope="all", extra=("transfer",)),))
    body = {"ids": [acme_ids["R1"], acme_ids["R2"]], "owner_id": acme.ids["sam"]}
    # rita's role has no customers:transfer.
    assert bulk(acme, "transfer", body, as_="rita").status_code == 403
    to_globex_user = {"ids": [acme_ids["R1"]], "owner_id": globex.ids["sam"]}
    unknown_owner = bulk(acme, "transfer", to_globex_user, as_="boss")
    assert unknown_owner.status_code == 422
    assert unknown_owner.json()["errors"][0]["field"] == "owner_id"
    listed = [*body["ids"], acme_ids["P1"], globex_ids["R1"]]
    moved = bulk(acme, "transfer", {**body, "ids": listed}, as_="boss")
    assert moved.status_code == 200, moved.text
    assert moved.json()["done"] == body["ids"]
    assert [(r["name"], r["code"]) for r in moved.json()["refused"]] == [
        ("P1", "customer_in_pool"),
        (None, "not_found"),
    ]
    assert acme.names("/api/v1/customers", as_="sam") == {"R1", "R2", "S1"}
    assert acme.names("/api/v1/customers", as_="rita") == set()
    changed = acme.events("customers.customer.owner_changed")
    assert {(e["id"], e["previous_owner_id"]) for e in changed} == {
        (acme_ids["R1"], acme.ids["rita"]),
        (acme_ids["R2"], acme.ids["rita"]),
    }
    assert globex.names("/api/v1/customers", as_="rita") == {"R1", "R2"}
    assert default_pool(acme)["customer_count"] == 1
