"""A file kept for an import to start later (the web wizard's steps): previews and the
import name it by id, only its uploader may use it, an import uses it up, and a file whose
import never started is deleted after a day."""

import json
import uuid
from collections.abc import Iterator
from datetime import timedelta

import pytest
from customers_testkit import Org
from sqlalchemy import select, update
from transfers_testkit import Workers, csv_bytes, jobs_broker, wait_for

from crm_customers.db import utcnow
from crm_customers.transfers import importing
from crm_customers.transfers.models import TransferFile
from crmkit.db import Database
from crmkit.tenancy import tenant_context

ROWS = [
    ["客户名称", "电话"],
    ["上传一号有限公司", "13800000001"],
    ["上传二号有限公司", "13800000002"],
]
MAPPING = json.dumps({"客户名称": "name", "电话": "phone"}, ensure_ascii=False)


@pytest.fixture(scope="module")
def workers(customers_db: Database) -> Iterator[Workers]:
    with jobs_broker("transfers_uploads") as url:
        running = Workers(customers_db, url)
        running.start()
        try:
            yield running
        finally:
            running.kill_all()


def kept(org: Org, content: bytes, *, as_: str = "admin") -> str:
    response = org.world.client.post(
        "/api/v1/imports/uploads",
        headers=org.headers(as_),
        files={"file": ("客户.csv", content)},
    )
    assert response.status_code == 201, response.text
    assert response.json()["size"] == len(content)
    return str(response.json()["id"])


def by_id(org: Org, path: str, upload_id: str, *, as_: str = "admin", **data: str) -> object:
    return org.world.client.post(
        path, headers=org.headers(as_), data={"upload_id": upload_id, **data}
    )


def test_an_upload_is_previewed_and_imported_by_its_id_once(
    workers: Workers, acme: Org, globex: Org
) -> None:
    upload_id = kept(acme, csv_bytes(ROWS))
    assert acme.get(f"/api/v1/imports/uploads/{upload_id}").json()["name"] == "客户.csv"
    preview = by_id(acme, "/api/v1/imports/preview", upload_id)
    assert preview.status_code == 200, preview.text
    assert preview.json()["columns"] == ["客户名称", "电话"]
    assert preview.json()["mapping"] == {"客户名称": "name", "电话": "phone"}

    started = by_id(acme, "/api/v1/imports", upload_id, mapping=MAPPING)
    assert started.status_code == 202, started.text
    job = wait_for(acme, f"/api/v1/imports/{started.json()['id']}")
    assert (job["status"], job["created"]) == ("done", 2)
    names = {c["name"] for c in acme.get("/api/v1/customers").json()["items"]}
    assert {"上传一号有限公司", "上传二号有限公司"} <= names
    # Used up: a second start (a double click) imports nothing twice.
    again = by_id(acme, "/api/v1/imports", upload_id, mapping=MAPPING)
    assert again.status_code == 404
    assert acme.get(f"/api/v1/imports/uploads/{upload_id}").status_code == 404
    assert globex.get("/api/v1/customers").json()["items"] == []


def test_only_the_uploader_of_the_tenant_may_use_an_upload(acme: Org, globex: Org) -> None:
    acme.add_user("ivan", roles=("sales_manager",))
    upload_id = kept(acme, csv_bytes(ROWS))
    assert by_id(acme, "/api/v1/imports/preview", upload_id, as_="ivan").status_code == 404
    assert acme.get(f"/api/v1/imports/uploads/{upload_id}", as_="ivan").status_code == 404
    assert globex.get(f"/api/v1/imports/uploads/{upload_id}").status_code == 404
    assert by_id(globex, "/api/v1/imports/preview", upload_id).status_code == 404
    assert by_id(globex, "/api/v1/imports", upload_id, mapping=MAPPING).status_code == 404
    assert by_id(acme, "/api/v1/imports/preview", upload_id).status_code == 200


def test_bad_uploads_and_requests_are_refused_naming_the_field(acme: Org) -> None:
    client, headers = acme.world.client, acme.headers()
    empty = client.post("/api/v1/imports/uploads", headers=headers, files={"file": ("a.csv", b"")})
    assert empty.status_code == 422
    assert empty.json()["errors"][0]["field"] == "file"
    neither = client.post("/api/v1/imports/preview", headers=headers, data={})
    assert neither.status_code == 422
    assert neither.json()["errors"][0]["field"] == "file"
    upload_id = kept(acme, csv_bytes(ROWS))
    both = client.post(
        "/api/v1/imports/preview",
        headers=headers,
        data={"upload_id": upload_id},
        files={"file": ("a.csv", csv_bytes(ROWS))},
    )
    assert both.status_code == 422
    assert by_id(acme, "/api/v1/imports/preview", str(uuid.uuid4())).status_code == 404


def test_uploads_left_waiting_a_day_are_deleted_and_no_other_file(
    workers: Workers, acme: Org, globex: Org, customers_db: Database
) -> None:
    stale, fresh = kept(acme, csv_bytes(ROWS)), kept(acme, csv_bytes(ROWS))
    started_from = kept(acme, csv_bytes(ROWS))
    job = by_id(acme, "/api/v1/imports", started_from, mapping=MAPPING)
    wait_for(acme, f"/api/v1/imports/{job.json()['id']}")
    other = kept(globex, csv_bytes(ROWS))
    two_days_ago = utcnow() - timedelta(days=2)
    for org, ids in ((acme, [stale, started_from]), (globex, [other])):
        with tenant_context(uuid.UUID(org.tenant_id)), customers_db.tenant_transaction() as s:
            s.execute(
                update(TransferFile)
                .where(TransferFile.id.in_([uuid.UUID(i) for i in ids]))
                .values(created_at=two_days_ago)
            )
    with tenant_context(uuid.UUID(acme.tenant_id)), customers_db.tenant_transaction() as s:
        assert importing.purge_uploads(s, now=utcnow()) == 1
        left = set(map(str, s.scalars(select(TransferFile.id))))
    assert stale not in left
    assert {fresh, started_from} <= left  # the job's file stays with its job
    assert by_id(acme, "/api/v1/imports/preview", stale).status_code == 404
    # The other tenant's old upload is its own pass's business.
    assert by_id(globex, "/api/v1/imports/preview", other).status_code == 200
