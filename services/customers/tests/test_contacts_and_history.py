"""Contacts (one primary, explicit moves, masking) and history: follow-ups that move the
customer's follow-up times and remind the owner, activities, feedback, one timeline."""

from datetime import UTC, datetime, timedelta

from customers_testkit import Org


def test_contacts_one_primary_and_explicit_moves(acme: Org) -> None:
    customer = acme.customer("Contacted Co")
    other = acme.customer("Other Co")
    base = f"/api/v1/customers/{customer['id']}/contacts"
    first = acme.created(base, {"name": "Wang Wei", "title": "CTO", "phones": ["139-0000-1111"]})
    assert first["is_primary"] is True  # the first contact is the primary one
    assert first["phones"] == ["13900001111"]
    second = acme.created(base, {"name": "Li Na", "role": "decision maker", "is_primary": True})
    listed = acme.get(base).json()["items"]
    assert [(c["name"], c["is_primary"]) for c in listed] == [("Li Na", True), ("Wang Wei", False)]
    acme.patch(f"/api/v1/contacts/{first['id']}", {"is_primary": True})
    primaries = [c["name"] for c in acme.get(base).json()["items"] if c["is_primary"]]
    assert primaries == ["Wang Wei"]
    stale = acme.patch(
        f"/api/v1/contacts/{second['id']}", {"title": "CEO"}, headers={"If-Match": '"1"'}
    )
    assert stale.status_code == 412
    moved = acme.post(f"/api/v1/contacts/{second['id']}/move", {"customer_id": other["id"]})
    assert moved.status_code == 200, moved.text
    assert moved.json()["customer_id"] == other["id"]
    assert [c["name"] for c in acme.get(base).json()["items"]] == ["Wang Wei"]
    assert acme.events("customers.contact.moved")[-1]["previous_customer_id"] == customer["id"]
    assert acme.delete(f"/api/v1/contacts/{first['id']}").status_code == 204
    assert acme.get(base).json()["items"] == []


def test_contacts_follow_their_customer_scope_and_masking(acme: Org) -> None:
    acme.add_user("rita", roles=("sales_rep",))
    acme.add_user("sam", roles=("sales_rep",))
    customer = acme.customer("Rita's", as_="rita")
    contact = acme.created(
        f"/api/v1/customers/{customer['id']}/contacts",
        {"name": "Zhang San", "phones": ["13812345678"], "email": "zhang@example.com"},
        as_="rita",
    )
    assert acme.get(f"/api/v1/contacts/{contact['id']}", as_="sam").status_code == 404
    assert acme.get(f"/api/v1/customers/{customer['id']}/contacts", as_="sam").status_code == 404
    acme.patch(
        f"/api/v1/customers/{customer['id']}", {"collaborator_ids": [acme.ids["sam"]]}, as_="rita"
    )
    seen = acme.get(f"/api/v1/contacts/{contact['id']}", as_="sam").json()
    assert seen["phones"] == ["138****5678"]
    assert seen["email"] == "z***@example.com"


def test_follow_up_moves_times_and_reminds_the_owner(acme: Org) -> None:
    acme.add_user("rita", roles=("sales_rep",))
    customer = acme.customer("Followed Co", as_="rita")
    path = f"/api/v1/customers/{customer['id']}"
    contact = acme.created(f"{path}/contacts", {"name": "Zhao"}, as_="rita")
    at = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
    due = at + timedelta(days=7)
    follow_up = acme.created(
        f"{path}/follow-ups",
        {
            "kind": "visit",
            "content": "Demoed the product",
            "at": at.isoformat(),
            "contact_id": contact["id"],
            "attachment_ids": ["7d9a3f1e-0000-4000-8000-000000000001"],
            "next_follow_up_at": due.isoformat(),
        },
        as_="rita",
    )
    assert follow_up["type"] == "follow_up"
    updated = acme.get(path, as_="rita").json()
    assert datetime.fromisoformat(updated["last_follow_up_at"]) == at
    assert datetime.fromisoformat(updated["next_follow_up_at"]) == due
    reminders = acme.get("/api/v1/tasks", as_="rita").json()["items"]
    assert [(r["customer_id"], datetime.fromisoformat(r["due_at"])) for r in reminders] == [
        (customer["id"], due)
    ]
    assert acme.post(f"/api/v1/tasks/{reminders[0]['id']}/done").status_code == 404  # not admin's
    done = acme.post(f"/api/v1/tasks/{reminders[0]['id']}/done", as_="rita")
    assert done.status_code == 200
    assert acme.get("/api/v1/tasks", as_="rita").json()["items"] == []
    assert len(acme.get("/api/v1/tasks", as_="rita", params={"done": True}).json()["items"]) == 1
    event = acme.events("customers.followup.created")[-1]
    assert event["customer"]["id"] == customer["id"]
    bad = acme.post(f"{path}/follow-ups", {"kind": "fax", "content": "x"}, as_="rita")
    assert bad.status_code == 422
    foreign = acme.customer("Someone else's")
    other_contact = acme.created(f"/api/v1/customers/{foreign['id']}/contacts", {"name": "Q"})
    wrong = acme.post(
        f"{path}/follow-ups",
        {"kind": "call", "content": "x", "contact_id": other_contact["id"]},
        as_="rita",
    )
    assert wrong.status_code == 422
    assert wrong.json()["errors"][0]["field"] == "contact_id"


def test_timeline_lists_everything_newest_first_in_pages(acme: Org) -> None:
    customer = acme.customer("Timeline Co")
    path = f"/api/v1/customers/{customer['id']}"
    start = datetime(2026, 1, 1, tzinfo=UTC)
    acme.created(f"{path}/follow-ups", {"kind": "call", "content": "c1", "at": start.isoformat()})
    acme.created(
        f"{path}/activities",
        {
            "kind": "exhibition",
            "title": "Expo",
            "content": "booth",
            "at": (start + timedelta(days=2)).isoformat(),
        },
    )
    acme.created(
        f"{path}/feedback",
        {"content": "great", "rating": 5, "at": (start + timedelta(days=1)).isoformat()},
    )
    acme.created(
        f"{path}/follow-ups",
        {"kind": "wechat", "content": "c2", "at": (start + timedelta(days=3)).isoformat()},
    )
    bad = acme.post(f"{path}/feedback", {"content": "x", "rating": 9})
    assert bad.status_code == 422
    seen = []
    cursor = None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = acme.get(f"{path}/timeline", params=params).json()
        seen += [(e["type"], e["content"]) for e in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == [
        ("follow_up", "c2"),
        ("activity", "booth"),
        ("feedback", "great"),
        ("follow_up", "c1"),
    ]
    follow_ups = acme.get(f"{path}/follow-ups").json()["items"]
    assert [f["content"] for f in follow_ups] == ["c2", "c1"]
