"""Reports: counts by dimension, new customers per week and follow-ups per rep per week,
each within the caller's tenant and data scope, shaped for a chart."""

from datetime import UTC, datetime

from search_testkit import SearchWorld


def test_reports_count_within_scope(world: SearchWorld) -> None:
    acme, globex = world.tenant("acme"), world.tenant("globex")
    reps = acme.role("rep", scope="own")
    acme.add_user("rita", role_ids=(reps,))
    acme.add_user("sam", role_ids=(reps,))
    acme.deliver_identity_events()
    acme.customer("Rita One", level="a", province="浙江", as_="rita")
    rita_two = acme.customer("Rita Two", level="b", province="浙江", as_="rita")
    acme.customer("Sam One", level="a", province="上海", as_="sam")
    acme.customer("No Level Co", as_="sam")
    globex.customer("Globex Co")
    now = datetime.now(UTC).isoformat()
    for _ in range(2):
        acme.created(
            f"/api/v1/customers/{rita_two['id']}/follow-ups",
            {"kind": "call", "content": "Called", "at": now},
            as_="rita",
        )
    acme.deliver()
    globex.deliver()

    by_level = acme.report("/api/v1/reports/customers", by="level")
    assert by_level["total"] == 4
    assert {b["key"]: b["count"] for b in by_level["buckets"]} == {"a": 2, "b": 1, None: 1}
    mine = acme.report("/api/v1/reports/customers", as_="rita", by="province")
    assert mine["total"] == 2
    assert mine["buckets"] == [{"key": "浙江", "count": 2}]
    owners = acme.report("/api/v1/reports/customers", by="owner")
    assert {b["key"]: b["count"] for b in owners["buckets"]} == {
        acme.ids["rita"]: 2,
        acme.ids["sam"]: 2,
    }
    bad = world.search.get(
        "/api/v1/reports/customers", params={"by": "shoe_size"}, headers=acme.headers()
    )
    assert bad.status_code == 422

    weekly = acme.report("/api/v1/reports/customers/new-per-week", weeks=4)
    assert len(weekly["series"]) == 4
    assert weekly["series"][-1]["count"] == 4
    assert sum(p["count"] for p in weekly["series"]) == 4
    assert (
        acme.report("/api/v1/reports/customers/new-per-week", as_="sam", weeks=4)["series"][-1][
            "count"
        ]
        == 2
    )

    follow_ups = acme.report("/api/v1/reports/follow-ups", weeks=2)
    assert [(r["user_id"], r["total"]) for r in follow_ups["reps"]] == [(acme.ids["rita"], 2)]
    assert follow_ups["reps"][0]["series"][-1]["count"] == 2
    assert acme.report("/api/v1/reports/follow-ups", as_="sam", weeks=2)["reps"] == []
    assert globex.report("/api/v1/reports/customers", by="level")["total"] == 1
