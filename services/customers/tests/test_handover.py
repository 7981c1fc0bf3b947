"""Hand-overs: an admin moves a user's customers (all, or filtered) to another user or to a
pool; a user disabled in identity has theirs moved by the tenant's policy, driven by
identity's real `identity.user.disabled` event delivered to the customers consumer."""

from typing import Any

from customers_testkit import Org
from pools_testkit import default_pool, moves, sales_team


def disable(org: Org, user: str) -> None:
    response = org.world.identity.post(
        f"/api/v1/users/{org.ids[user]}/disable", headers=org.headers()
    )
    assert response.status_code == 200, response.text
    org.deliver_identity_events()


def team_in_a_department(org: Org) -> None:
    """Sales (headed by `boss`) holds rita and sam; each has customers."""
    sales_team(org)
    sales = org.identity_created("/api/v1/departments", {"name": "Sales"})
    boss = org.role("boss", scope="department", extra=("view_phone",))
    org.add_user("boss", role_ids=(boss,), department_id=sales["id"])
    for user in ("rita", "sam"):
        org.identity_patch(f"/api/v1/users/{org.ids[user]}", {"department_id": sales["id"]})
    org.identity_patch(f"/api/v1/departments/{sales['id']}", {"head_user_id": org.ids["boss"]})
    org.deliver_identity_events()
    for user in ("rita", "sam"):
        org.customer(f"{user}'s A", as_=user, level="a")
        org.customer(f"{user}'s B", as_=user, level="b")


def put_policy(org: Org, body: dict[str, Any]) -> Any:
    return org.put("/api/v1/pools/hand-over-policy", body)


def test_disabled_user_customers_go_to_the_department_head(acme: Org, globex: Org) -> None:
    for org in (acme, globex):
        team_in_a_department(org)
        assert put_policy(org, {"mode": "department_head"}).status_code == 200
    disable(acme, "rita")
    assert acme.names("/api/v1/customers", as_="boss") >= {"rita's A", "rita's B"}
    owners = {
        c["name"]: c["owner_id"]
        for c in acme.get("/api/v1/customers", params={"limit": 200}).json()["items"]
    }
    assert owners["rita's A"] == owners["rita's B"] == acme.ids["boss"]
    assert owners["sam's A"] == acme.ids["sam"]
    events = acme.events("customers.customer.owner_changed")
    assert {e["previous_owner_id"] for e in events} == {acme.ids["rita"]}
    assert {e["owner_id"] for e in events} == {acme.ids["boss"]}
    assert len(events) == 2
    customer_id = next(e["id"] for e in events)
    assert moves(acme, customer_id) == ["handed_over"]
    # Delivered again (a redelivery), nothing moves twice; globex's rita keeps hers.
    assert acme.deliver_identity_events() == 0
    assert len(acme.events("customers.customer.owner_changed")) == 2
    assert globex.names("/api/v1/customers", as_="rita") == {"rita's A", "rita's B"}


def test_disabled_user_customers_go_to_a_pool_or_a_named_user(acme: Org) -> None:
    team_in_a_department(acme)
    pool = default_pool(acme)
    assert put_policy(acme, {"mode": "pool"}).status_code == 200
    disable(acme, "rita")
    pooled = acme.get(f"/api/v1/pools/{pool['id']}/customers", as_="mgr").json()["items"]
    assert {c["name"] for c in pooled} == {"rita's A", "rita's B"}
    assert {e["previous_owner_id"] for e in acme.events("customers.customer.pooled")} == {
        acme.ids["rita"]
    }
    refused = acme.put("/api/v1/pools/hand-over-policy", {"mode": "pool"}, as_="sam")
    assert refused.status_code == 403
    bad = put_policy(acme, {"mode": "user"})
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "user_id"
    assert put_policy(acme, {"mode": "user", "user_id": acme.ids["mgr"]}).status_code == 200
    disable(acme, "sam")
    assert acme.names("/api/v1/customers", as_="mgr") >= {"sam's A", "sam's B"}
    owners = {c["owner_id"] for c in acme.get("/api/v1/customers").json()["items"]}
    assert acme.ids["sam"] not in owners


def test_admin_hands_over_a_filtered_set_to_a_user_or_a_pool(acme: Org, globex: Org) -> None:
    for org in (acme, globex):
        team_in_a_department(org)
    handover = "/api/v1/pools/hand-overs"
    body = {"from_user_id": acme.ids["rita"], "to_user_id": acme.ids["sam"]}
    assert acme.post(handover, body, as_="rita").status_code == 403
    both = acme.post(handover, {**body, "to_pool_id": default_pool(acme)["id"]}, as_="mgr")
    assert both.status_code == 422
    assert both.json()["errors"][0]["field"] == "to_user_id"
    foreign = acme.post(handover, {**body, "to_user_id": globex.ids["sam"]}, as_="mgr")
    assert foreign.status_code == 422
    assert foreign.json()["errors"][0]["field"] == "to_user_id"
    moved = acme.post(handover, {**body, "filter": ["level:eq:a"]}, as_="mgr")
    assert moved.status_code == 200
    assert moved.json()["moved"] == 1
    assert acme.names("/api/v1/customers", as_="sam") == {"sam's A", "sam's B", "rita's A"}
    assert acme.names("/api/v1/customers", as_="rita") == {"rita's B"}
    to_pool = acme.post(
        handover,
        {"from_user_id": acme.ids["rita"], "to_pool_id": default_pool(acme)["id"]},
        as_="mgr",
    )
    assert to_pool.json()["moved"] == 1
    assert acme.names("/api/v1/customers", as_="rita") == set()
    # The other tenant's user id moves nothing here, and globex is untouched.
    other = acme.post(
        handover, {"from_user_id": globex.ids["rita"], "to_user_id": acme.ids["sam"]}, as_="mgr"
    )
    assert other.json()["moved"] == 0
    assert globex.names("/api/v1/customers", as_="rita") == {"rita's A", "rita's B"}
