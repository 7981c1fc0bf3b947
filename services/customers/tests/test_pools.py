"""Public pools (公海): pools and their members, claim / release / assign / discard /
restore with their limits and the previous owner's cool-down, masking and no edits while
pooled, the timeline and events of every move, and tenant isolation on every pool route."""

import random
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import Any

from customers_testkit import Org
from pools_testkit import (
    default_pool,
    moves,
    owned_by,
    pooled,
    reclaim,
    sales_team,
    set_columns,
    set_rules,
)

from crm_customers.db import utcnow


def test_pools_are_created_and_listed_for_their_members_only(acme: Org, globex: Org) -> None:
    for org in (acme, globex):
        sales_team(org)
    [listed] = acme.get("/api/v1/pools", as_="rita").json()["items"]
    assert listed["is_default"]
    assert listed["customer_count"] == 0
    east = acme.post(
        "/api/v1/pools",
        {"name": "East", "member_user_ids": [acme.ids["sam"]], "rules": {"claims_per_day": 5}},
        as_="mgr",
    )
    assert east.status_code == 201, east.text
    assert east.json()["rules"]["claims_per_day"] == 5
    assert {p["name"] for p in acme.get("/api/v1/pools", as_="sam").json()["items"]} == {
        "Default pool",
        "East",
    }
    assert [p["name"] for p in acme.get("/api/v1/pools", as_="rita").json()["items"]] == [
        "Default pool"
    ]
    assert acme.get(f"/api/v1/pools/{east.json()['id']}", as_="rita").status_code == 404
    # Only managers create or change pools; bad rules name the field.
    assert acme.post("/api/v1/pools", {"name": "Mine"}, as_="rita").status_code == 403
    twice = acme.post("/api/v1/pools", {"name": "east"}, as_="mgr")
    assert twice.status_code == 422
    assert twice.json()["errors"][0]["field"] == "name"
    bad = acme.post(
        "/api/v1/pools", {"name": "Bad", "rules": {"no_follow_up_days": {"a": 0}}}, as_="mgr"
    )
    assert bad.status_code == 422
    assert "no_follow_up_days" in bad.text
    stale = acme.patch(
        f"/api/v1/pools/{east.json()['id']}", {"name": "E"}, as_="mgr", headers={"If-Match": '"9"'}
    )
    assert stale.status_code == 412
    # One default pool: making East the default moves the flag; unsetting it is refused.
    east_path = f"/api/v1/pools/{east.json()['id']}"
    assert acme.patch(east_path, {"is_default": True}, as_="mgr").json()["is_default"]
    assert [p["name"] for p in acme.get("/api/v1/pools").json()["items"] if p["is_default"]] == [
        "East"
    ]
    assert acme.patch(east_path, {"is_default": None}, as_="mgr").status_code == 409
    # globex sees only its own default pool.
    assert [p["name"] for p in globex.get("/api/v1/pools").json()["items"]] == ["Default pool"]


def test_release_and_claim_move_the_customer_with_timeline_and_events(
    acme: Org, globex: Org
) -> None:
    sales_team(acme)
    sales_team(globex)
    pool = default_pool(acme)
    customer = acme.customer("Released Co", as_="rita", phone="13812345678")
    path = f"/api/v1/customers/{customer['id']}"
    blank = acme.post(f"{path}/release", {"reason": "  "}, as_="rita")
    assert blank.status_code == 422
    assert acme.post(f"{path}/release", {"reason": "x"}, as_="sam").status_code == 404
    released = acme.post(f"{path}/release", {"reason": "no budget"}, as_="rita")
    assert released.status_code == 200, released.text
    assert released.json()["owner_id"] is None
    assert released.json()["pool_id"] == pool["id"]
    # The former owner's list no longer shows it; the pool does.
    assert "Released Co" not in acme.names("/api/v1/customers", as_="rita")
    listed = acme.get(f"/api/v1/pools/{pool['id']}/customers", as_="sam").json()["items"]
    assert [c["name"] for c in listed] == ["Released Co"]
    assert acme.post(f"{path}/release", {"reason": "again"}, as_="mgr").json()["code"] == (
        "customer_in_pool"
    )
    claimed = acme.post(f"{path}/claim", as_="sam")
    assert claimed.status_code == 200, claimed.text
    assert claimed.json()["owner_id"] == acme.ids["sam"]
    assert claimed.json()["pool_id"] is None
    assert claimed.json()["phone"] == "13812345678"  # the owner sees it whole again
    again = acme.post(f"{path}/claim", as_="rita")
    assert again.status_code == 409
    assert again.json()["code"] == "customer_not_in_pool"
    assert acme.names("/api/v1/customers", as_="sam") == {"Released Co"}
    timeline = acme.get(f"{path}/timeline", as_="sam", params={"type": "pool"}).json()["items"]
    assert [(e["kind"], e["content"]) for e in timeline] == [
        ("claimed", "Claimed from Default pool"),
        ("released", "Released to Default pool: no budget"),
    ]
    [event] = acme.events("customers.customer.released")
    assert event["previous_owner_id"] == acme.ids["rita"]
    assert event["pool_id"] == pool["id"]
    assert event["owner_id"] is None
    assert event["reason"] == "no budget"
    [event] = acme.events("customers.customer.claimed")
    assert event["owner_id"] == acme.ids["sam"]
    assert event["version"] == claimed.json()["version"]
    history = acme.get(f"{path}/history", as_="sam").json()["items"]
    assert [h["action"] for h in history][:2] == ["claimed", "released"]
    assert globex.events("customers.customer.released") == []


def test_pooled_customers_are_masked_and_cannot_be_edited(acme: Org) -> None:
    sales_team(acme)
    pool = default_pool(acme)
    customer = acme.customer(
        "Masked Co", as_="rita", phone="13812345678", email="zhang@example.com"
    )
    customer_id = customer["id"]
    path = f"/api/v1/customers/{customer_id}"
    contact = acme.created(f"{path}/contacts", {"name": "Zhao"}, as_="rita")
    released = acme.post(f"{path}/release", {"reason": "cold"}, as_="rita")
    assert released.status_code == 200
    for reader in ("rita", "sam"):  # both hold view_phone: the pool masks anyway
        seen = acme.get(path, as_=reader).json()
        assert seen["phone"] != "13812345678"
        assert "5678" in seen["phone"]
        assert seen["email"] != "zhang@example.com"
        assert {"phone", "email"} <= set(seen["masked_fields"])
        [listed] = acme.get(f"/api/v1/pools/{pool['id']}/customers", as_=reader).json()["items"]
        assert listed["phone"] == seen["phone"]
    pool_list = f"/api/v1/pools/{pool['id']}/customers"
    probe = {"filter": "phone:eq:13812345678"}
    assert acme.get(pool_list, as_="sam", params=probe).status_code == 422
    assert len(acme.get(pool_list, as_="mgr", params=probe).json()["items"]) == 1
    managed = acme.get(path, as_="mgr").json()
    assert managed["phone"] == "13812345678"
    assert managed["masked_fields"] == []
    # No edits, deletions or follow-ups while pooled, whoever asks.
    for who in ("mgr", "admin"):
        refused = acme.patch(path, {"notes": "x"}, as_=who)
        assert refused.status_code == 409
        assert refused.json()["code"] == "customer_in_pool"
        assert acme.delete(path, as_=who).json()["code"] == "customer_in_pool"
    follow = acme.post(f"{path}/follow-ups", {"kind": "call", "content": "x"}, as_="mgr")
    assert follow.status_code == 409
    contact_path = f"/api/v1/contacts/{contact['id']}"
    assert acme.patch(contact_path, {"name": "Qian"}, as_="mgr").status_code == 409
    assert acme.delete(contact_path, as_="mgr").status_code == 409
    assert acme.get(path, as_="mgr").json()["version"] == managed["version"]


def test_pool_members_alone_see_and_claim_its_customers(acme: Org) -> None:
    sales_team(acme)
    east = acme.created("/api/v1/pools", {"name": "East", "member_user_ids": [acme.ids["sam"]]})
    customer_id = pooled(acme, "East Co", pool_id=east["id"])
    assert acme.get(f"/api/v1/pools/{east['id']}/customers", as_="rita").status_code == 404
    assert acme.get(f"/api/v1/customers/{customer_id}", as_="rita").status_code == 404
    assert acme.post(f"/api/v1/customers/{customer_id}/claim", as_="rita").status_code == 404
    assert acme.post(f"/api/v1/customers/{customer_id}/claim", as_="sam").status_code == 200


def test_previous_owner_waits_out_the_cool_down(acme: Org) -> None:
    sales_team(acme)
    pool = default_pool(acme)
    set_rules(acme, pool["id"], reclaim_cooldown_days=7)
    customer_id = pooled(acme, "Cooling Co")
    refused = acme.post(f"/api/v1/customers/{customer_id}/claim", as_="rita")
    assert refused.status_code == 409
    assert refused.json()["code"] == "claim_cooldown"
    until = refused.json()["until"]
    assert until > (utcnow() + timedelta(days=6, hours=23)).isoformat()
    # Someone else may claim it at once, and after the week rita may again.
    assert acme.post(f"/api/v1/customers/{customer_id}/claim", as_="sam").status_code == 200
    second = pooled(acme, "Cooled Co")
    _eight_days_pass_for(acme, second)
    assert acme.post(f"/api/v1/customers/{second}/claim", as_="rita").status_code == 200


def _eight_days_pass_for(org: Org, customer_id: str) -> None:
    import uuid

    from sqlalchemy import update

    from crm_customers.pools.models import PoolMove
    from crmkit.tenancy import tenant_context

    with tenant_context(uuid.UUID(org.tenant_id)), org.world.db.tenant_transaction() as session:
        session.execute(
            update(PoolMove)
            .where(PoolMove.customer_id == uuid.UUID(customer_id))
            .values(at=PoolMove.at - timedelta(days=8))
        )


def test_claim_limits_hold_under_concurrent_claims_by_two_users(acme: Org) -> None:
    sales_team(acme)
    pool = default_pool(acme)
    set_rules(acme, pool["id"], claims_per_day=3)
    ids = [pooled(acme, f"Race {i}", by="mgr") for i in range(10)]
    attempts = [(who, cid) for who in ("rita", "sam") for cid in ids]
    random.Random(7).shuffle(attempts)

    def attempt(item: tuple[str, str]) -> tuple[str, str, int, str]:
        who, cid = item
        response = acme.post(f"/api/v1/customers/{cid}/claim", as_=who)
        return who, cid, response.status_code, response.json().get("code", "")

    with ThreadPoolExecutor(12) as threads:
        outcomes = list(threads.map(attempt, attempts))
    won = [(who, cid) for who, cid, status, _ in outcomes if status == 200]
    assert {status for _, _, status, _ in outcomes} <= {200, 409}
    assert sorted(who for who, _ in won) == ["rita"] * 3 + ["sam"] * 3
    assert len({cid for _, cid in won}) == 6  # no customer claimed twice
    assert owned_by(acme, "rita") == 3
    assert owned_by(acme, "sam") == 3
    codes = {code for who, _, status, code in outcomes if status == 409}
    assert "daily_claim_limit" in codes
    assert acme.get(f"/api/v1/pools/{pool['id']}").json()["customer_count"] == 4
    # The most a user may own counts what they already have.
    set_rules(acme, pool["id"], claims_per_day=None, max_owned=4)
    left = [c["id"] for c in acme.get(f"/api/v1/pools/{pool['id']}/customers").json()["items"]]
    assert acme.post(f"/api/v1/customers/{left[0]}/claim", as_="rita").status_code == 200
    over = acme.post(f"/api/v1/customers/{left[1]}/claim", as_="rita")
    assert over.status_code == 409
    assert over.json()["code"] == "owned_limit"
    assert over.json()["limit"] == 4


def test_managers_assign_in_bulk_and_discard_and_restore(acme: Org) -> None:
    sales_team(acme)
    pool = default_pool(acme)
    ids = [pooled(acme, f"Bulk {i}") for i in range(3)]
    owned = acme.customer("Owned Co", as_="sam")
    assign = f"/api/v1/pools/{pool['id']}/assign"
    body: dict[str, Any] = {"customer_ids": [*ids[:2], owned["id"]], "owner_id": acme.ids["sam"]}
    assert acme.post(assign, body, as_="rita").status_code == 403
    partial = acme.post(assign, body, as_="mgr")
    assert partial.status_code == 409
    assert partial.json()["customer_ids"] == [owned["id"]]
    assert acme.get(f"/api/v1/pools/{pool['id']}").json()["customer_count"] == 3  # none moved
    unknown = acme.post(assign, {**body, "owner_id": acme.ids["mgr"][:-4] + "0000"}, as_="mgr")
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["field"] == "owner_id"
    done = acme.post(assign, {**body, "customer_ids": ids[:2]}, as_="mgr")
    assert done.status_code == 200
    assert done.json()["moved"] == 2
    assert acme.names("/api/v1/customers", as_="sam") == {"Bulk 0", "Bulk 1", "Owned Co"}
    assert [e["actor_id"] for e in acme.events("customers.customer.assigned")] == [
        acme.ids["mgr"]
    ] * 2
    # The trash: out of the pool's list and unclaimable, until a manager restores it.
    discard = acme.post(
        f"/api/v1/pools/{pool['id']}/discard",
        {"customer_ids": [ids[2]], "reason": "closed down"},
        as_="mgr",
    )
    assert discard.status_code == 200
    assert acme.get(f"/api/v1/pools/{pool['id']}/customers", as_="rita").json()["items"] == []
    assert acme.get(f"/api/v1/pools/{pool['id']}/trash", as_="rita").status_code == 403
    assert len(acme.get(f"/api/v1/pools/{pool['id']}/trash", as_="mgr").json()["items"]) == 1
    assert acme.post(f"/api/v1/customers/{ids[2]}/claim", as_="sam").status_code == 404
    restore = f"/api/v1/pools/{pool['id']}/restore"
    assert acme.post(restore, {"customer_ids": [ids[2]]}, as_="mgr").status_code == 200
    assert acme.post(f"/api/v1/customers/{ids[2]}/claim", as_="sam").status_code == 200
    assert moves(acme, ids[2]) == ["released", "discarded", "restored", "claimed"]


def test_every_pool_route_is_404_with_the_other_tenants_ids(acme: Org, globex: Org) -> None:
    for org in (acme, globex):
        sales_team(org)
    theirs = default_pool(globex)
    their_customer = pooled(globex, "Globex pooled")
    their_owned = globex.customer("Globex owned", as_="rita")["id"]
    mine = pooled(acme, "Acme pooled")
    pool = f"/api/v1/pools/{theirs['id']}"
    probes = [
        ("GET", pool, None),
        ("PATCH", pool, {"name": "Taken"}),
        ("GET", f"{pool}/customers", None),
        ("GET", f"{pool}/trash", None),
        ("POST", f"{pool}/assign", {"customer_ids": [mine], "owner_id": acme.ids["sam"]}),
        ("POST", f"{pool}/discard", {"customer_ids": [mine], "reason": "x"}),
        ("POST", f"{pool}/restore", {"customer_ids": [mine]}),
        ("POST", f"/api/v1/customers/{their_customer}/claim", None),
        ("POST", f"/api/v1/customers/{their_owned}/release", {"reason": "x"}),
        ("PUT", f"/api/v1/customers/{their_owned}/reclaim-lock", {"locked": True}),
    ]
    for method, path, body in probes:
        response = acme.world.client.request(method, path, json=body, headers=acme.headers("mgr"))
        assert response.status_code == 404, (method, path, response.text)
    # Acme's own pool refuses globex's customers; releasing into globex's pool is refused.
    own = default_pool(acme)
    refused = acme.post(
        f"/api/v1/pools/{own['id']}/assign",
        {"customer_ids": [their_customer], "owner_id": acme.ids["sam"]},
        as_="mgr",
    )
    assert refused.status_code == 409
    mine_owned = acme.customer("Acme owned", as_="rita")["id"]
    wrong_pool = acme.post(
        f"/api/v1/customers/{mine_owned}/release",
        {"reason": "x", "pool_id": theirs["id"]},
        as_="rita",
    )
    assert wrong_pool.status_code == 422
    assert wrong_pool.json()["errors"][0]["field"] == "pool_id"
    # Nothing of globex's moved.
    assert [c["name"] for c in globex.get(f"{pool}/customers").json()["items"]] == ["Globex pooled"]
    assert globex.get(f"/api/v1/customers/{their_owned}").json()["owner_id"] == globex.ids["rita"]


def test_reclaim_reminds_the_owner_first_then_returns_idle_customers(
    acme: Org, globex: Org
) -> None:
    for org in (acme, globex):
        sales_team(org)
        set_rules(
            org,
            default_pool(org)["id"],
            reclaim_enabled=True,
            no_follow_up_days={"a": 10, "*": 5},
            remind_days_before=1,
        )
    t0 = utcnow()
    idle = acme.customer("Idle Co", as_="rita")["id"]
    vip = acme.customer("Vip Co", as_="rita", level="a")["id"]
    followed = acme.customer("Followed Co", as_="rita")["id"]
    acme.created(
        f"/api/v1/customers/{followed}/follow-ups",
        {"kind": "call", "content": "still keen", "at": (t0 + timedelta(days=3)).isoformat()},
        as_="rita",
    )
    locked = acme.customer("Locked Co", as_="rita")["id"]
    assert acme.put(f"/api/v1/customers/{locked}/reclaim-lock", {"locked": True}).status_code == 200
    dealing = acme.customer("Dealing Co", as_="rita")["id"]
    set_columns(acme, dealing, deal_in_progress=True)
    theirs = globex.customer("Globex idle", as_="rita")["id"]

    assert reclaim(acme, t0 + timedelta(days=3)).reminded == 0
    early = reclaim(acme, t0 + timedelta(days=4, hours=1))
    assert (early.reminded, early.reclaimed) == (1, 0)
    [task] = acme.get("/api/v1/tasks", as_="rita").json()["items"]
    assert task["customer_id"] == idle
    assert "Idle Co" in task["note"]
    [event] = acme.events("customers.pool.reclaim_reminded")
    assert event["customer_id"] == idle
    assert event["reminder_id"] == task["id"]
    assert event["owner_id"] == acme.ids["rita"]
    assert reclaim(acme, t0 + timedelta(days=4, hours=2)).reminded == 0  # once per deadline
    assert acme.get(f"/api/v1/customers/{idle}", as_="rita").json()["owner_id"] == acme.ids["rita"]

    due = reclaim(acme, t0 + timedelta(days=5, hours=1))
    assert (due.reclaimed, due.reminded) == (1, 0)
    seen = acme.get(f"/api/v1/customers/{idle}", as_="mgr").json()
    assert seen["owner_id"] is None
    assert seen["pool_id"] == default_pool(acme)["id"]
    assert "Idle Co" not in acme.names("/api/v1/customers", as_="rita")
    [pooled_event] = acme.events("customers.customer.pooled")
    assert pooled_event["previous_owner_id"] == acme.ids["rita"]
    timeline = acme.get(f"/api/v1/customers/{idle}/timeline", as_="mgr").json()["items"]
    assert timeline[0]["type"] == "pool"
    assert timeline[0]["kind"] == "pooled"

    # Long overdue and never reminded: reminded in one pass, reclaimed in the next.
    late = t0 + timedelta(days=20)
    first = reclaim(acme, late)
    assert (first.reminded, first.reclaimed) == (2, 0)  # vip, followed
    second = reclaim(acme, late)
    assert (second.reminded, second.reclaimed) == (0, 2)
    assert acme.names("/api/v1/customers", as_="rita") == {"Locked Co", "Dealing Co"}
    assert acme.get(f"/api/v1/customers/{vip}", as_="mgr").json()["owner_id"] is None
    # The other tenant's pass never ran: its customer is untouched.
    assert globex.get(f"/api/v1/customers/{theirs}", as_="rita").status_code == 200
    assert globex.events("customers.customer.pooled") == []


def test_reclaim_passes_run_twice_or_at_once_move_each_customer_once(acme: Org) -> None:
    sales_team(acme)
    pool = default_pool(acme)
    set_rules(
        acme, pool["id"], reclaim_enabled=True, no_follow_up_days={"*": 1}, remind_days_before=0
    )
    ids = [acme.customer(f"Idle {i}", as_="rita")["id"] for i in range(7)]
    later = utcnow() + timedelta(days=2)
    with ThreadPoolExecutor(3) as threads:
        results = list(threads.map(lambda _: reclaim(acme, later, batch_size=2), range(3)))
    assert sum(r.reclaimed for r in results) == 7
    assert reclaim(acme, later).reclaimed == 0
    assert all(moves(acme, cid) == ["pooled"] for cid in ids)
    assert len(acme.events("customers.customer.pooled")) == 7
    assert acme.get(f"/api/v1/pools/{pool['id']}").json()["customer_count"] == 7


def test_the_worker_task_is_scheduled_and_reclaims_every_tenant_at_the_real_time(
    acme: Org, globex: Org
) -> None:
    from crm_customers.jobs import celery_app
    from crm_customers.pools.tasks import RECLAIM_TASK, reclaim_all_tenants

    assert RECLAIM_TASK in celery_app.tasks
    assert any(e["task"] == RECLAIM_TASK for e in celery_app.conf.beat_schedule.values())
    idle: dict[str, str] = {}
    for org in (acme, globex):
        sales_team(org)
        set_rules(
            org,
            default_pool(org)["id"],
            reclaim_enabled=True,
            no_follow_up_days={"*": 2},
            remind_days_before=0,
        )
        idle[org.slug] = org.customer("Long idle", as_="rita")["id"]
        org.customer("Fresh", as_="rita")
        set_columns(org, idle[org.slug], owned_since=utcnow() - timedelta(days=3))
    reclaim_all_tenants(acme.world.db)
    for org in (acme, globex):
        assert org.names("/api/v1/customers", as_="rita") == {"Fresh"}
        assert moves(org, idle[org.slug]) == ["pooled"]


def test_owners_see_which_of_their_customers_reclaim_takes_soon(acme: Org, globex: Org) -> None:
    for org in (acme, globex):
        sales_team(org)
        set_rules(org, default_pool(org)["id"], reclaim_enabled=True, no_follow_up_days={"*": 5})
    t0 = utcnow()
    soon = acme.customer("Soon Co", as_="rita")["id"]
    locked = acme.customer("Locked Soon Co", as_="rita")["id"]
    assert acme.put(f"/api/v1/customers/{locked}/reclaim-lock", {"locked": True}).status_code == 200
    globex.customer("Globex Soon Co", as_="rita")

    week = acme.get("/api/v1/pools/reclaim-soon", as_="rita", params={"days": 7})
    assert week.status_code == 200, week.text
    [item] = week.json()["items"]
    assert item["customer_id"] == soon
    assert item["pool_id"] == default_pool(acme)["id"]
    when = datetime.fromisoformat(item["reclaim_at"])
    assert abs(when - (t0 + timedelta(days=5))) < timedelta(minutes=5)
    three_days = acme.get("/api/v1/pools/reclaim-soon", as_="rita", params={"days": 3})
    assert three_days.json()["items"] == []
    assert acme.get("/api/v1/pools/reclaim-soon", as_="mgr").json()["items"] == []
    theirs = globex.get("/api/v1/pools/reclaim-soon", as_="rita").json()["items"]
    assert [i["name"] for i in theirs] == ["Globex Soon Co"]
    bad = acme.get("/api/v1/pools/reclaim-soon", as_="rita", params={"days": 0})
    assert bad.status_code == 422
