"""Exports of the customer list, run by a real Celery worker: exactly the rows and masking
`GET /api/v1/customers` gives the caller, columns a role hides left out, refused (403) for
a role without `customers:export`, reported to identity's audit log, and private to the
tenant and the user who asked."""

import csv
import io
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from customers_testkit import Org
from sqlalchemy import select
from transfers_testkit import Workers, jobs_broker, wait_for

from crmkit.db import Database
from crmkit.events.envelope import CloudEvent
from crmkit.events.models import OutboxRecord

# Small chunks with a pause between them, so a poll sees an export part-way.
CHUNK_ROWS = 5


@pytest.fixture(scope="module")
def workers(customers_db: Database) -> Iterator[Workers]:
    with jobs_broker("transfers_exports") as url:
        running = Workers(
            customers_db,
            url,
            CRM_CUSTOMERS_EXPORT_CHUNK_ROWS=str(CHUNK_ROWS),
            CRM_CUSTOMERS_EXPORT_CHUNK_PAUSE_SECONDS="0.3",
        )
        running.start()
        try:
            yield running
        finally:
            running.kill_all()


def exported(org: Org, as_: str, **body: Any) -> tuple[dict[str, Any], Any]:
    response = org.post("/api/v1/exports", {"entity": "customers", **body}, as_=as_)
    assert response.status_code == 202, response.text
    assert response.json()["status"] == "queued"
    job = wait_for(org, f"/api/v1/exports/{response.json()['id']}", as_=as_)
    assert job["status"] == "done", job
    file = org.get(job["file_url"], as_=as_)
    assert file.status_code == 200, file.text
    return job, file


def csv_rows(file: Any) -> list[dict[str, str]]:
    assert file.headers["content-type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(file.content.decode("utf-8-sig"))))


def people(org: Org) -> None:
    exporter = org.role("exporter", scope="all", extra=("export",))
    org.add_user("eve", role_ids=(exporter,))
    org.add_user("rep", roles=("sales_rep",))


def test_an_export_masks_exactly_as_the_list_does(workers: Workers, acme: Org) -> None:
    people(acme)
    acme.customer("Admin's A", phone="13812345678", email="zhang@example.com", level="a")
    acme.customer("Admin's B", phone="13900000000", level="b")
    acme.customer("Eve's Own", as_="eve", phone="13711112222", email="eve@example.com", level="a")
    job, file = exported(acme, "eve", filter=["level:eq:a"], sort="name")
    rows = csv_rows(file)
    listed = acme.get(
        "/api/v1/customers", as_="eve", params={"filter": "level:eq:a", "sort": "name"}
    ).json()["items"]
    assert [r["name"] for r in rows] == [c["name"] for c in listed] == ["Admin's A", "Eve's Own"]
    for row, item in zip(rows, listed, strict=True):
        assert row["id"] == item["id"]
        assert row["phones"] == ", ".join(item["phones"])
        assert row["emails"] == ", ".join(item["emails"])
    assert (rows[0]["phones"], rows[0]["emails"]) == ("138****5678", "z***@example.com")
    assert (rows[1]["phones"], rows[1]["emails"]) == ("13711112222", "eve@example.com")
    assert "13812345678" not in file.text
    assert (job["total"], job["format"], job["filter"]) == (2, "csv", ["level:eq:a"])
    # The owner of the masked record gets it whole.
    _, admins = exported(acme, "admin", filter="name:eq:Admin's A")
    assert [(r["phones"], r["emails"]) for r in csv_rows(admins)] == [
        ("13812345678", "zhang@example.com")
    ]


def test_columns_a_role_hides_are_left_out_and_xlsx(workers: Workers, acme: Org) -> None:
    from openpyxl import load_workbook  # type: ignore[import-untyped]

    hider = acme.role("hider", scope="all", extra=("export",), tags="hidden", phone="hidden")
    acme.add_user("hugo", role_ids=(hider,))
    acme.created(
        "/api/v1/custom-fields",
        {"entity": "customer", "key": "revenue", "label": "Revenue", "type": "number"},
    )
    acme.customer("Formula Co", phone="13812345678", notes="=HYPERLINK(1)", custom={"revenue": 5})
    _, file = exported(acme, "hugo", format="xlsx")
    assert file.headers["content-type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(file.content), read_only=True).worksheets[0]
    header, *rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert "phones" not in header
    assert "tags" not in header
    assert {"name", "emails", "custom.revenue"} <= set(header)
    [row] = [dict(zip(header, r, strict=True)) for r in rows]
    assert (row["name"], row["custom.revenue"]) == ("Formula Co", "5")
    assert row["notes"] == "'=HYPERLINK(1)", "never run as a formula"


def test_a_role_without_export_gets_403(workers: Workers, acme: Org) -> None:
    people(acme)
    refused = acme.post("/api/v1/exports", {"entity": "customers", "format": "csv"}, as_="rep")
    assert refused.status_code == 403
    assert "customers:export" in refused.json()["detail"]
    bad_filter = acme.post(
        "/api/v1/exports", {"entity": "customers", "filter": ["salary:eq:1"]}, as_="eve"
    )
    assert bad_filter.status_code == 422
    assert bad_filter.json()["errors"][0]["field"] == "filter"
    bad_format = acme.post("/api/v1/exports", {"entity": "customers", "format": "pdf"}, as_="eve")
    assert bad_format.json()["errors"][0]["field"] == "format"
    assert acme.post("/api/v1/exports", {"entity": "tickets"}, as_="eve").status_code == 422


def deliver_to_identity(org: Org, event_type: str) -> int:
    """Hand this tenant's customers events of `event_type` to identity's consumer, as the
    relay and RabbitMQ would."""
    with org.world.db.platform_session() as session:
        envelopes = [
            dict(r.envelope)
            for r in session.scalars(
                select(OutboxRecord).where(
                    OutboxRecord.routing_key == event_type,
                    OutboxRecord.tenant_id == uuid.UUID(org.tenant_id),
                )
            )
        ]
    return sum(org.world.identity_consumer.process(CloudEvent.from_dict(e)) for e in envelopes)


def test_an_export_lands_in_identitys_audit_log(workers: Workers, acme: Org, globex: Org) -> None:
    people(acme)
    acme.customer("Audited Co")
    job, _ = exported(acme, "eve", format="csv")
    assert deliver_to_identity(acme, "customers.customer.exported") == 1
    audit = acme.identity_get("/api/v1/audit-events?action=export").json()["items"]
    assert [(a["actor_id"], a["target_type"], a["target_id"]) for a in audit] == [
        (acme.ids["eve"], "customers.customer", job["id"])
    ]
    assert audit[0]["details"]["rows"] == 1
    assert globex.identity_get("/api/v1/audit-events?action=export").json()["items"] == []


def test_exports_are_private_to_the_tenant_and_the_user(
    workers: Workers, acme: Org, globex: Org
) -> None:
    people(acme)
    acme.customer("Private Co")
    job, _ = exported(acme, "eve")
    for org, as_ in ((globex, "admin"), (acme, "admin")):
        assert org.get(f"/api/v1/exports/{job['id']}", as_=as_).status_code == 404
        assert org.get(f"/api/v1/exports/{job['id']}/file", as_=as_).status_code == 404


def test_an_exports_progress_counts_its_rows_as_they_are_written(
    workers: Workers, acme: Org, globex: Org
) -> None:
    people(acme)
    exporter = globex.role("exporter", scope="all", extra=("export",))
    globex.add_user("eve", role_ids=(exporter,))
    for n in range(8 * CHUNK_ROWS):
        acme.customer(f"Acme Row {n:02d}")
    for n in range(2 * CHUNK_ROWS + 2):
        globex.customer(f"Globex Row {n:02d}")

    started = acme.post("/api/v1/exports", {"entity": "customers"}, as_="eve")
    assert started.status_code == 202, started.text
    path = f"/api/v1/exports/{started.json()['id']}"
    seen: list[tuple[str, int | None, int]] = []
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        body = acme.get(path, as_="eve").json()
        seen.append((body["status"], body["total"], body["processed"]))
        if body["status"] in ("done", "failed"):
            break
        time.sleep(0.05)
    part_way = [(s, t, p) for s, t, p in seen if s == "running" and t and 0 < p < t]
    assert part_way, f"never seen part-way: {seen}"
    assert {t for _, t, _ in part_way} == {8 * CHUNK_ROWS}, "the total is known from the start"
    assert all(p % CHUNK_ROWS == 0 for _, _, p in part_way), "progress moves a chunk at a time"
    assert seen[-1] == ("done", 8 * CHUNK_ROWS, 8 * CHUNK_ROWS)
    file = acme.get(f"{path}/file", as_="eve")
    expected = [f"Acme Row {n:02d}" for n in range(8 * CHUNK_ROWS)]
    assert sorted(r["name"] for r in csv_rows(file)) == expected

    # Globex counts and writes only its own rows, and Acme's job is not its to poll.
    job, globex_file = exported(globex, "eve")
    assert (job["total"], job["processed"]) == (2 * CHUNK_ROWS + 2, 2 * CHUNK_ROWS + 2)
    assert all(r["name"].startswith("Globex Row") for r in csv_rows(globex_file))
    assert globex.get(path, as_="eve").status_code == 404
