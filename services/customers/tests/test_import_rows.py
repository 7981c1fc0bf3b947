"""`GET imports/{id}/rows`: the import report's rows as JSON, a keyset page at a time, so a
client shows the rows not imported without fetching the whole report."""

from collections.abc import Iterator
from typing import Any

import pytest
from customers_testkit import Org
from transfers_testkit import Workers, csv_bytes, imported, jobs_broker, report

from crmkit.db import Database
from crmkit.pagination import encode_cursor

ROWS = 240
MAPPING = {"name": "name", "email": "email"}


@pytest.fixture(scope="module")
def workers(customers_db: Database) -> Iterator[Workers]:
    with jobs_broker("transfers_import_rows") as url:
        running = Workers(customers_db, url, CRM_CUSTOMERS_IMPORT_CHUNK_ROWS="40")
        running.start()
        try:
            yield running
        finally:
            running.kill_all()


def big_file(prefix: str) -> bytes:
    """Every 5th row has a bad e-mail (failed), every 7th repeats the row before it
    (skipped as a duplicate); the rest are created."""
    lines = [["name", "email"]]
    for n in range(ROWS):
        name = f"{prefix} Co {n - 1}" if n % 7 == 6 else f"{prefix} Co {n}"
        email = "not-an-email" if n % 5 == 4 else ""
        lines.append([name, email])
    return csv_bytes(lines)


def walk(org: Org, job_id: str, *, limit: int, as_: str = "admin") -> list[dict[str, Any]]:
    seen: list[dict[str, Any]] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"outcome": "failed,skipped", "limit": limit}
        if cursor:
            params["cursor"] = cursor
        response = org.get(f"/api/v1/imports/{job_id}/rows", as_=as_, params=params)
        assert response.status_code == 200, response.text
        page = response.json()
        assert len(page["items"]) <= limit
        seen.extend(page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            return seen


def test_paging_walks_every_row_not_imported_once_in_row_order(
    workers: Workers, acme: Org, globex: Org
) -> None:
    job = imported(acme, big_file("Acme"), MAPPING)
    other = imported(globex, big_file("Globex"), MAPPING)
    assert (job["status"], other["status"]) == ("done", "done"), (job, other)
    expected = [r for r in report(acme, job) if r["outcome"] in ("failed", "skipped")]
    assert len(expected) == job["failed"] + job["skipped"] > 60

    rows = walk(acme, job["id"], limit=9)

    assert [r["row"] for r in rows] == [int(r["row"]) for r in expected]
    assert len({r["row"] for r in rows}) == len(rows)
    assert [r["outcome"] for r in rows] == [r["outcome"] for r in expected]
    failed = next(r for r in rows if r["outcome"] == "failed")
    assert failed["customer_id"] is None
    assert [(e["field"], e["code"]) for e in failed["errors"]] == [("email", "invalid_email")]
    skipped = next(r for r in rows if r["outcome"] == "skipped")
    by_row = {r["row"]: r for r in expected}
    assert skipped["customer_id"] == by_row[str(skipped["row"])]["customer_id"]
    assert skipped["errors"][0]["code"] == "likely_duplicate"
    # One outcome alone, and no filter at all (every row).
    only_failed = acme.get(
        f"/api/v1/imports/{job['id']}/rows", params={"outcome": "failed", "limit": 200}
    ).json()
    assert {r["outcome"] for r in only_failed["items"]} == {"failed"}
    assert len(only_failed["items"]) == job["failed"]
    first = acme.get(f"/api/v1/imports/{job['id']}/rows").json()
    assert [r["row"] for r in first["items"]] == list(range(2, 52))
    assert first["next_cursor"]
    # Globex's own walk holds only its own rows; neither sees the other's job.
    globex_rows = walk(globex, other["id"], limit=50)
    assert len(globex_rows) == other["failed"] + other["skipped"]
    assert {c for r in globex_rows if (c := r["customer_id"])}.isdisjoint(
        {c for r in rows if (c := r["customer_id"])}
    )
    assert globex.get(f"/api/v1/imports/{job['id']}/rows").status_code == 404
    assert acme.get(f"/api/v1/imports/{other['id']}/rows").status_code == 404
    # A cursor of one job does not page another.
    crossed = globex.get(
        f"/api/v1/imports/{other['id']}/rows", params={"cursor": first["next_cursor"]}
    )
    assert crossed.status_code == 422
    assert crossed.json()["errors"][0]["field"] == "cursor"


def test_only_the_requester_sees_the_rows(workers: Workers, acme: Org, globex: Org) -> None:
    acme.add_user("iris", roles=("tenant_admin",))
    job = imported(acme, csv_bytes([["name", "email"], ["Bad Mail Co", "nope"]]), MAPPING)
    path = f"/api/v1/imports/{job['id']}/rows"
    assert [r["row"] for r in acme.get(path).json()["items"]] == [2]
    assert acme.get(path, as_="iris").status_code == 404
    assert globex.get(path).status_code == 404


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"outcome": "failed,lost"}, "outcome"),
        ({"limit": 0}, "limit"),
        ({"limit": 201}, "limit"),
        ({"limit": "many"}, "limit"),
        ({"cursor": "%%%"}, "cursor"),
        ({"cursor": encode_cursor(["two", "x"])}, "cursor"),
    ],
)
def test_bad_paging_input_names_the_field(
    workers: Workers, acme: Org, globex: Org, params: dict[str, Any], field: str
) -> None:
    job = imported(acme, csv_bytes([["name"], ["Paged Co"]]), {"name": "name"})
    response = acme.get(f"/api/v1/imports/{job['id']}/rows", params=params)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    # A value that is no number at all fails FastAPI's own check: `query.limit`.
    assert [e["field"].removeprefix("query.") for e in response.json()["errors"]] == [field]
    assert globex.get(f"/api/v1/imports/{job['id']}/rows").status_code == 404
