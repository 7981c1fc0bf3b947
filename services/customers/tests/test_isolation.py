"""A user of one tenant gets 404 for every id of the other tenant, whichever route: the
suite walks every route of the app, so a new route with an id is covered or fails here."""

import re
from typing import Any

from customers_testkit import Org
from fastapi.testclient import TestClient
from transfers_testkit import jobs_broker, upload

# Dictionary routes name a kind and a key every tenant has ("status", "potential"): they
# address the caller's own dictionary, never another tenant's, so they hold no foreign id.
NOT_IDS = {"kind", "key"}


def records_of(org: Org) -> dict[str, str]:
    customer = org.customer(f"Isolated {org.slug}")
    contact = org.created(f"/api/v1/customers/{customer['id']}/contacts", {"name": "Iso"})
    field = org.created(
        "/api/v1/custom-fields",
        {"entity": "customer", "key": "iso", "label": "Iso", "type": "text"},
    )
    org.created(
        f"/api/v1/customers/{customer['id']}/follow-ups",
        {"kind": "call", "content": "x", "next_follow_up_at": "2099-01-01T00:00:00+00:00"},
    )
    [reminder] = org.get("/api/v1/tasks").json()["items"]
    view = org.created("/api/v1/customers/views", {"name": "Iso", "filters": ["level:eq:a"]})
    care_date = org.created("/api/v1/care/dates", {"name": "Iso", "month": 1, "day": 1})
    pools = org.get("/api/v1/pools").json()["items"]
    with jobs_broker("transfers_isolation"):  # queued on a vhost no worker reads
        started = upload(org, b"name\nIso import\n", {"name": "name"})
        export = org.post("/api/v1/exports", {"entity": "customers"})
    assert (started.status_code, export.status_code) == (202, 202)
    waiting = org.world.client.post(
        "/api/v1/imports/uploads",
        headers=org.headers(),
        files={"file": ("iso.csv", b"name\nIso upload\n")},
    )
    assert waiting.status_code == 201, waiting.text
    return {
        "import_id": started.json()["id"],
        "upload_id": waiting.json()["id"],
        "export_id": export.json()["id"],
        "pool_id": next(p["id"] for p in pools if p["is_default"]),
        "customer_id": customer["id"],
        "contact_id": contact["id"],
        "field_id": field["id"],
        "view_id": view["id"],
        "care_date_id": care_date["id"],
        "reminder_id": reminder["id"],
    }


def routes_with_ids(client: TestClient) -> list[tuple[str, str]]:
    paths = client.app.openapi()["paths"]  # type: ignore[attr-defined]
    return sorted(
        (method.upper(), path)
        for path, operations in paths.items()
        if set(re.findall(r"{(\w+)}", path)) - NOT_IDS
        for method in operations
    )


def body(own: dict[str, str]) -> dict[str, Any]:
    """Valid for every route's body, so only the foreign id can make it fail."""
    return {
        "name": "Probe",
        "kind": "meeting",
        "content": "probe",
        "title": "Probe",
        "at": "2026-01-01T00:00:00+00:00",
        "rating": 3,
        "from_id": own["customer_id"],
        "customer_id": own["customer_id"],
        "customer_ids": [own["customer_id"]],
        "owner_id": own["customer_id"],
        "reason": "probe",
        "locked": False,
    }


def test_every_id_of_the_other_tenant_is_404_on_every_route(
    customers_client: TestClient, acme: Org, globex: Org
) -> None:
    acme_ids = records_of(acme)
    globex_ids = records_of(globex)
    routes = routes_with_ids(customers_client)
    assert len(routes) >= 18
    for method, template in routes:
        names = re.findall(r"{(\w+)}", template)
        assert all(n in globex_ids for n in names), f"{template}: add its record to records_of"
        foreign = template
        for name in names:
            foreign = foreign.replace("{" + name + "}", globex_ids[name])
        kwargs: dict[str, Any] = {"headers": acme.headers(), "follow_redirects": False}
        if method not in ("GET", "DELETE"):
            kwargs["json"] = body(acme_ids)
        response = customers_client.request(method, foreign, **kwargs)
        assert response.status_code == 404, (method, template, response.status_code, response.text)
    # globex's records are intact, and acme's own ids resolve on the same routes.
    for org, ids in ((globex, globex_ids), (acme, acme_ids)):
        assert org.get(f"/api/v1/customers/{ids['customer_id']}").status_code == 200
        assert org.get(f"/api/v1/contacts/{ids['contact_id']}").status_code == 200
        timeline = org.get(f"/api/v1/customers/{ids['customer_id']}/timeline").json()
        assert len(timeline["items"]) == 1
        fields = org.get("/api/v1/custom-fields").json()["items"]
        assert [f["id"] for f in fields] == [ids["field_id"]]
        assert org.get(f"/api/v1/imports/uploads/{ids['upload_id']}").status_code == 200


def test_lists_hold_only_the_callers_tenant(acme: Org, globex: Org) -> None:
    acme.customer("Only acme")
    globex.customer("Only globex")
    assert acme.names("/api/v1/customers") == {"Only acme"}
    assert globex.names("/api/v1/customers") == {"Only globex"}
    filtered = acme.get("/api/v1/customers", params={"filter": "name:eq:Only globex"}).json()
    assert filtered["items"] == []
    assert filtered["total"] == 0
