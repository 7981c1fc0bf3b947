"""Care: birthdays and the tenant's care dates as reminders for owners some days ahead
(once per occasion, person and year) and as a weekly list of whom to greet, in scope."""

from datetime import UTC, date, datetime
from typing import Any

from customers_testkit import Org
from insights_testkit import in_tenant

from crm_customers.insights import care

WEEK_48 = "2026-W48"  # Monday 2026-11-23 to Sunday 2026-11-29


def person(org: Org, name: str, birthday: str, as_: str = "admin", **fields: Any) -> str:
    body = {"kind": "person", "name": name, "birthday": birthday, **fields}
    return str(org.created("/api/v1/customers", body, as_=as_)["id"])


def care_reminders(org: Org, as_: str = "admin") -> list[dict[str, Any]]:
    items = org.get("/api/v1/tasks", as_=as_).json()["items"]
    return [r for r in items if "greet" in (r["note"] or "")]


def run_job(org: Org, today: date) -> int:
    return in_tenant(org, lambda s: care.send_reminders(s, today=today))


def greeting_rows(org: Org, week: str, as_: str = "admin") -> list[tuple[str, str, str]]:
    response = org.get("/api/v1/care/greetings", as_=as_, params={"week": week})
    assert response.status_code == 200, response.text
    return [
        (g["on"], g["occasion_name"], g["contact_name"] or g["customer_name"])
        for g in response.json()["items"]
    ]


def test_a_birthday_two_days_ahead_makes_exactly_one_reminder(acme: Org, globex: Org) -> None:
    assert acme.put("/api/v1/care/settings", {"days_ahead": 3}).status_code == 200
    person(acme, "Zhang Wei", "1990-11-26")
    person(acme, "Too Far", "1990-11-29")
    company = acme.customer("Acme Buyer Ltd")
    acme.created(
        f"/api/v1/customers/{company['id']}/contacts", {"name": "Li Na", "birthday": "1985-11-25"}
    )
    person(globex, "Globex Zhang", "1990-11-26")

    assert run_job(acme, date(2026, 11, 24)) == 2
    assert run_job(acme, date(2026, 11, 24)) == 0, "a second run makes none"
    assert run_job(acme, date(2026, 11, 25)) == 0, "nor does the next day's"
    notes = sorted(r["note"] for r in care_reminders(acme))
    assert notes == [
        "Birthday: greet Li Na (Acme Buyer Ltd) on 2026-11-25",
        "Birthday: greet Zhang Wei on 2026-11-26",
    ]
    assert [r["due_at"][:10] for r in care_reminders(acme) if "Zhang" in r["note"]] == [
        "2026-11-26"
    ]
    # Globex's birthday was not touched by acme's run; its own run reminds its own owner.
    assert care_reminders(globex) == []
    assert run_job(globex, date(2026, 11, 24)) == 1
    assert [r["note"] for r in care_reminders(globex)] == [
        "Birthday: greet Globex Zhang on 2026-11-26"
    ]
    assert len(care_reminders(acme)) == 2


def test_feb_29_birthdays_are_greeted_on_feb_28_in_other_years(acme: Org) -> None:
    person(acme, "Leap Child", "2000-02-29")
    assert run_job(acme, date(2027, 2, 26)) == 1
    assert [r["due_at"][:10] for r in care_reminders(acme)] == ["2027-02-28"]
    assert greeting_rows(acme, "2027-W08") == [("2027-02-28", "Birthday", "Leap Child")]
    assert greeting_rows(acme, "2028-W09") == [("2028-02-29", "Birthday", "Leap Child")]


def test_greetings_for_a_week_within_scope(acme: Org, globex: Org) -> None:
    acme.add_user("rita", role_ids=(acme.role("rep", scope="own"),))
    acme.created(
        "/api/v1/custom-fields",
        {"entity": "customer", "key": "signed_on", "label": "Signed on", "type": "date"},
    )
    signing = acme.created(
        "/api/v1/care/dates", {"name": "Signing anniversary", "customer_field": "custom.signed_on"}
    )
    assert signing["recurring"] is True
    person(acme, "Admin Person", "1980-11-23")
    person(acme, "Rita Person", "1981-11-27", as_="rita")
    person(acme, "Next Week", "1981-11-30")
    acme.customer("Signed Co", custom={"signed_on": "2024-11-28"})
    acme.customer("Signed This Year", custom={"signed_on": "2026-11-28"})
    rita_company = acme.customer("Rita Co", as_="rita")
    acme.created(
        f"/api/v1/customers/{rita_company['id']}/contacts",
        {"name": "Rita Contact", "birthday": "1970-11-29"},
        as_="rita",
    )
    person(globex, "Globex Person", "1980-11-24")

    assert greeting_rows(acme, WEEK_48) == [
        ("2026-11-23", "Birthday", "Admin Person"),
        ("2026-11-27", "Birthday", "Rita Person"),
        ("2026-11-28", "Signing anniversary", "Signed Co"),
        ("2026-11-29", "Birthday", "Rita Contact"),
    ]
    assert greeting_rows(acme, WEEK_48, as_="rita") == [
        ("2026-11-27", "Birthday", "Rita Person"),
        ("2026-11-29", "Birthday", "Rita Contact"),
    ]
    assert greeting_rows(globex, WEEK_48) == [("2026-11-24", "Birthday", "Globex Person")]
    default = acme.get("/api/v1/care/greetings").json()
    today = datetime.now(UTC).date().isoformat()
    assert default["start"] <= today <= default["end"]
    bad = acme.get("/api/v1/care/greetings", params={"week": "2026-48"})
    assert bad.status_code == 422
    assert "week" in bad.text


def test_a_holiday_reaches_every_customer_once_a_year(acme: Org, globex: Org) -> None:
    acme.created("/api/v1/care/dates", {"name": "Company day", "month": 11, "day": 25})
    acme.customer("First Co")
    acme.customer("Second Co")
    globex.customer("Globex Co")
    rows = greeting_rows(acme, WEEK_48)
    assert rows == [
        ("2026-11-25", "Company day", "First Co"),
        ("2026-11-25", "Company day", "Second Co"),
    ]
    assert greeting_rows(globex, WEEK_48) == []
    assert run_job(acme, date(2026, 11, 23)) == 2
    assert run_job(acme, date(2026, 11, 24)) == 0
    assert greeting_rows(acme, "2027-W47") == [
        ("2027-11-25", "Company day", "First Co"),
        ("2027-11-25", "Company day", "Second Co"),
    ]
    once = acme.created(
        "/api/v1/care/dates",
        {"name": "Opening", "month": 11, "day": 26, "year": 2026, "recurring": False},
    )
    assert ("2026-11-26", "Opening", "First Co") in greeting_rows(acme, WEEK_48)
    assert all(r[1] != "Opening" for r in greeting_rows(acme, "2027-W47"))
    assert once["year"] == 2026


def test_care_dates_are_validated_and_stay_in_their_tenant(acme: Org, globex: Org) -> None:
    for body, field in [
        ({"name": "Bad", "month": 2, "day": 30}, "day"),
        ({"name": "Bad", "month": 13, "day": 1}, "month"),
        ({"name": "Bad", "month": 5}, "month"),
        ({"name": "Bad", "month": 5, "day": 1, "recurring": False}, "year"),
        ({"name": "Bad", "month": 2, "day": 29, "year": 2027, "recurring": False}, "day"),
        ({"name": "Bad", "customer_field": "custom.nope"}, "customer_field"),
        ({"name": "Bad", "customer_field": "created_at", "month": 1, "day": 1}, "customer_field"),
        ({"name": "", "month": 1, "day": 1}, "name"),
    ]:
        response = acme.post("/api/v1/care/dates", body)
        assert response.status_code == 422, (body, response.text)
        assert field in response.text, (body, response.text)
    assert acme.get("/api/v1/care/dates").json()["items"] == []

    created = acme.created("/api/v1/care/dates", {"name": "New year", "month": 1, "day": 1})
    path = f"/api/v1/care/dates/{created['id']}"
    patched = acme.patch(path, {"name": "Spring festival", "month": 2, "day": 17})
    assert patched.status_code == 200, patched.text
    assert patched.json()["name"] == "Spring festival"
    stale = acme.patch(path, {"name": "Late"}, headers={"If-Match": '"1"'})
    assert stale.status_code == 412
    switched = acme.patch(path, {"customer_field": "created_at"})
    assert switched.status_code == 200, switched.text
    assert switched.json()["month"] is None

    assert globex.get(path).status_code == 404
    assert globex.patch(path, {"name": "Hijack"}).status_code == 404
    assert globex.delete(path).status_code == 404
    assert globex.get("/api/v1/care/dates").json()["items"] == []
    assert acme.get(path).json()["name"] == "Spring festival"
    assert acme.delete(path).status_code == 204
    assert acme.get(path).status_code == 404

    acme.add_user("rita", role_ids=(acme.role("rep", scope="own"),))
    assert (
        acme.post("/api/v1/care/dates", {"name": "X", "month": 1, "day": 1}, as_="rita").status_code
        == 403
    )
    assert acme.put("/api/v1/care/settings", {"days_ahead": 5}, as_="rita").status_code == 403
    assert acme.put("/api/v1/care/settings", {"days_ahead": 99}).status_code == 422
    assert acme.put("/api/v1/care/settings", {"days_ahead": 5}).json() == {"days_ahead": 5}
    assert globex.get("/api/v1/care/settings").json() == {"days_ahead": 3}


def test_the_daily_jobs_are_scheduled_on_the_customers_worker() -> None:
    from crm_customers.jobs import celery_app

    schedule = celery_app.conf.beat_schedule
    assert schedule["care-reminders"]["task"] == "crm_customers.insights.send_care_reminders"
    assert schedule["recompute-potential"]["task"] == "crm_customers.insights.recompute_potential"
    for name in (
        "crm_customers.insights.send_care_reminders",
        "crm_customers.insights.recompute_potential",
        "crm_customers.insights.backfill_coordinates",
    ):
        assert name in celery_app.tasks
