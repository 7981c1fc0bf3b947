"""The potential score: 0-100, explained by its parts, recomputed when its inputs change,
filterable and sortable in the customers list; never crossing tenants."""

from datetime import timedelta
from decimal import Decimal

from customers_testkit import Org
from insights_testkit import in_tenant, sales_event, score_of

from crm_customers.db import utcnow
from crm_customers.insights import potential


def test_a_follow_up_raises_the_score_and_the_parts_explain_it(acme: Org, globex: Org) -> None:
    customer = acme.customer("Rising Co", level="a")
    before = score_of(acme, customer["id"])
    assert before["score"] == 15
    assert before["points"] == {
        "recency": 0,
        "frequency": 0,
        "level": 15,
        "engagement": 0,
        "deal_value": 0,
        "payments": 0,
    }
    recency = next(p for p in before["parts"] if p["part"] == "recency")
    assert recency["explanation"] == "never followed up"

    acme.created(
        f"/api/v1/customers/{customer['id']}/follow-ups", {"kind": "call", "content": "Intro"}
    )
    after = score_of(acme, customer["id"])
    assert after["score"] == 15 + 30 + 5
    assert after["points"]["recency"] == 30
    assert after["points"]["frequency"] == 5
    frequency = next(p for p in after["parts"] if p["part"] == "frequency")
    assert frequency["input"] == 1
    assert "1 follow-ups in the last 90 days" in frequency["explanation"]
    # The list shows the new score at once (same transaction as the follow-up).
    listed = acme.get("/api/v1/customers").json()["items"]
    assert [c["potential_score"] for c in listed] == [50]

    # An activity adds engagement without making the client's version stale.
    version = acme.get(f"/api/v1/customers/{customer['id']}").json()["version"]
    acme.created(
        f"/api/v1/customers/{customer['id']}/activities",
        {"kind": "training", "title": "Workshop", "at": utcnow().isoformat()},
    )
    assert score_of(acme, customer["id"])["points"]["engagement"] == 5
    assert acme.get(f"/api/v1/customers/{customer['id']}").json()["version"] == version

    # Another tenant can neither read the score nor find the customer by it.
    assert globex.get(f"/api/v1/customers/{customer['id']}/potential").status_code == 404
    assert globex.names("/api/v1/customers", filter="potential_score:gte:0") == set()


def test_a_level_change_recomputes_the_score(acme: Org) -> None:
    customer = acme.customer("Climbing Co", level="c")
    assert score_of(acme, customer["id"])["score"] == 5
    response = acme.patch(f"/api/v1/customers/{customer['id']}", {"level": "b"})
    assert response.status_code == 200, response.text
    assert response.json()["potential_score"] == 10
    assert score_of(acme, customer["id"])["points"]["level"] == 10


def test_filter_and_sort_by_score(acme: Org, globex: Org) -> None:
    acme.customer("Level A", level="a")
    acme.customer("Level B", level="b")
    acme.customer("Level C", level="c")
    acme.customer("No level")
    globex.customer("Globex A", level="a")

    def names(**params: str) -> list[str]:
        response = acme.get("/api/v1/customers", params=params)
        assert response.status_code == 200, response.text
        return [c["name"] for c in response.json()["items"]]

    assert names(sort="-potential_score") == ["Level A", "Level B", "Level C", "No level"]
    assert names(sort="potential_score") == ["No level", "Level C", "Level B", "Level A"]
    assert set(names(filter="potential_score:gte:10")) == {"Level A", "Level B"}
    assert names(filter="potential_score:between:5,10", sort="potential_score") == [
        "Level C",
        "Level B",
    ]
    # Paging through a score sort keeps the order.
    first = acme.get("/api/v1/customers", params={"sort": "-potential_score", "limit": 2}).json()
    second = acme.get(
        "/api/v1/customers",
        params={"sort": "-potential_score", "limit": 2, "cursor": first["next_cursor"]},
    ).json()
    assert [c["name"] for c in first["items"] + second["items"]] == [
        "Level A",
        "Level B",
        "Level C",
        "No level",
    ]
    bad = acme.get("/api/v1/customers", params={"filter": "potential_score:gte:lots"})
    assert bad.status_code == 422
    assert "filter" in bad.text


def test_sales_events_add_deal_value_and_payments(acme: Org, globex: Org) -> None:
    customer = acme.customer("Buying Co")
    other = globex.customer("Globex Buyer")
    deal = "6f1f2d2e-0000-4000-8000-000000000001"
    assert sales_event(
        acme,
        "sales.opportunity.created",
        {"id": deal, "customer_id": customer["id"], "amount": "150000.00", "status": "open"},
    )
    points = score_of(acme, customer["id"])["points"]
    assert points["deal_value"] == 7
    sales_event(
        acme,
        "sales.payment.created",
        {
            "id": "6f1f2d2e-0000-4000-8000-000000000002",
            "customer_id": customer["id"],
            "amount": 20000,
        },
    )
    assert score_of(acme, customer["id"])["points"]["payments"] == 4
    # An older event arriving late changes nothing; a lost deal no longer counts.
    sales_event(
        acme,
        "sales.opportunity.updated",
        {"id": deal, "customer_id": customer["id"], "amount": "2000000", "status": "open"},
        at=utcnow() - timedelta(hours=1),
    )
    assert score_of(acme, customer["id"])["points"]["deal_value"] == 7
    sales_event(
        acme,
        "sales.opportunity.stage_changed",
        {"id": deal, "customer_id": customer["id"], "amount": "150000", "status": "lost"},
    )
    assert score_of(acme, customer["id"])["points"]["deal_value"] == 0
    # A globex event naming acme's customer touches nothing of acme's.
    sales_event(
        globex,
        "sales.opportunity.created",
        {
            "id": "6f1f2d2e-0000-4000-8000-000000000003",
            "customer_id": customer["id"],
            "amount": "5000000",
            "status": "won",
        },
    )
    assert score_of(acme, customer["id"])["points"]["deal_value"] == 0
    assert score_of(globex, other["id"])["points"]["deal_value"] == 0


def test_recency_decays_when_the_tenant_is_recomputed(acme: Org, globex: Org) -> None:
    customer = acme.customer("Fading Co")
    acme.created(
        f"/api/v1/customers/{customer['id']}/follow-ups", {"kind": "visit", "content": "Visit"}
    )
    theirs = globex.customer("Globex Fading")
    globex.created(
        f"/api/v1/customers/{theirs['id']}/follow-ups", {"kind": "visit", "content": "Visit"}
    )
    assert score_of(acme, customer["id"])["points"]["recency"] == 30
    later = utcnow() + timedelta(days=45)
    changed = in_tenant(acme, lambda s: potential.recompute_tenant(s, now=later))
    assert changed == 1
    decayed = score_of(acme, customer["id"])
    assert decayed["points"]["recency"] == 15
    assert decayed["points"]["frequency"] == 5
    # Only acme's tenant was recomputed.
    assert score_of(globex, theirs["id"])["points"]["recency"] == 30


def test_the_formula_is_bounded_and_explained() -> None:
    full, parts = potential.score(
        potential.PotentialInputs(
            days_since_follow_up=0,
            follow_ups=12,
            level="A",
            activities=9,
            deal_value=Decimal(5_000_000),
            paid=Decimal(1_000_000),
        )
    )
    assert full == 100
    assert sum(p["max"] for p in parts) == 100
    empty, _ = potential.score(
        potential.PotentialInputs(days_since_follow_up=400, follow_ups=0, level="z", activities=0)
    )
    assert empty == 0


def test_a_merge_brings_the_merged_customers_history_and_sales(acme: Org) -> None:
    survivor = acme.customer("Survivor Co", level="c")
    merged = acme.customer("Merged Co")
    acme.created(
        f"/api/v1/customers/{merged['id']}/follow-ups", {"kind": "call", "content": "Call"}
    )
    deal = "6f1f2d2e-0000-4000-8000-000000000009"
    opportunity = {"id": deal, "customer_id": merged["id"], "amount": "20000", "status": "open"}
    sales_event(acme, "sales.opportunity.created", opportunity)
    assert score_of(acme, survivor["id"])["score"] == 5
    response = acme.post(f"/api/v1/customers/{survivor['id']}/merge", {"from_id": merged["id"]})
    assert response.status_code == 200, response.text
    assert score_of(acme, survivor["id"])["points"] == {
        "recency": 30,
        "frequency": 5,
        "level": 5,
        "engagement": 0,
        "deal_value": 4,
        "payments": 0,
    }
    # Sales still naming the merged id updates the survivor's figures.
    sales_event(acme, "sales.opportunity.won", {**opportunity, "amount": "200000", "status": "won"})
    assert score_of(acme, survivor["id"])["points"]["deal_value"] == 7
