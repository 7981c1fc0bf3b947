"""Reminders that fall due are announced once (`customers.reminder.due`), only in their own
tenant, never when done, even when two passes run at once."""

import threading
import uuid
from datetime import UTC, datetime, timedelta

from customers_testkit import Org

from crm_customers.history.due import announce_due
from crmkit.tenancy import tenant_context


def follow_up_due_in(org: Org, name: str, hours: int) -> str:
    customer = org.customer(name)["customer"]
    due = datetime.now(UTC) + timedelta(hours=hours)
    response = org.post(
        f"/api/v1/customers/{customer['id']}/follow-ups",
        {"kind": "call", "content": "talked", "next_follow_up_at": due.isoformat()},
    )
    assert response.status_code == 201, response.text
    return str(customer["id"])


def run_pass(org: Org, now: datetime, batch: int = 500) -> int:
    with tenant_context(uuid.UUID(org.tenant_id)), org.world.db.tenant_transaction() as session:
        return announce_due(session, now=now, batch=batch)


def test_due_reminders_are_announced_once_in_their_tenant(acme: Org, globex: Org) -> None:
    soon = follow_up_due_in(acme, "Soon Co", hours=1)
    follow_up_due_in(acme, "Later Co", hours=48)
    follow_up_due_in(globex, "Theirs Co", hours=1)
    in_two_hours = datetime.now(UTC) + timedelta(hours=2)
    assert run_pass(acme, in_two_hours) == 1
    assert run_pass(acme, in_two_hours) == 0, "announced once"
    [due] = acme.events("customers.reminder.due")
    assert due["customer_id"] == soon
    assert due["customer_name"] == "Soon Co"
    assert globex.events("customers.reminder.due") == [], "acme's pass left globex alone"
    assert run_pass(globex, in_two_hours) == 1
    # A reminder done before it fell due is never announced.
    follow_up_due_in(acme, "Done Co", hours=1)
    [task] = [t for t in acme.get("/api/v1/tasks").json()["items"] if "Done Co" in t["note"]]
    assert acme.post(f"/api/v1/tasks/{task['id']}/done").status_code == 200
    assert run_pass(acme, in_two_hours) == 0


def test_concurrent_passes_announce_each_reminder_once(acme: Org) -> None:
    for i in range(12):
        follow_up_due_in(acme, f"Busy {i} Co", hours=1)
    later = datetime.now(UTC) + timedelta(hours=2)
    counts: list[int] = []

    def drain() -> None:
        while (count := run_pass(acme, later, batch=3)) > 0:
            counts.append(count)

    passes = [threading.Thread(target=drain) for _ in range(2)]
    for p in passes:
        p.start()
    for p in passes:
        p.join()
    assert sum(counts) == 12
    announced = [e["id"] for e in acme.events("customers.reminder.due")]
    assert len(announced) == len(set(announced)) == 12
