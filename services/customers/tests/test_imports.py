"""Imports of customers from CSV and XLSX files, run by a real Celery worker: the exact
outcome of every row (created, updated, skipped as a duplicate, failed with the field and
reason), GBK and XLSX files, previews and saved mappings, limits, and a worker killed in
the middle of an import that finishes it with no row imported twice and none lost."""

import json
import signal
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import date

import pytest
from customers_testkit import Org
from sqlalchemy import func, select
from transfers_testkit import (
    Workers,
    csv_bytes,
    imported,
    jobs_broker,
    report,
    upload,
    wait_for,
    xlsx_bytes,
)

from crm_customers.customers.models import Customer
from crm_customers.settings import get_customers_settings
from crm_customers.transfers.models import ImportJob
from crmkit.db import Database
from crmkit.tenancy import tenant_context

CHUNK_ROWS = 50

MAPPING = {
    "客户名称": "name",
    "类型": "kind",
    "电话": "phone",
    "邮箱": "email",
    "等级": "level",
    "联系人": "contact.name",
    "联系人电话": "contact.phone",
    "Revenue": "custom.revenue",
    "Ignored": "",
}
HEADER = list(MAPPING)


@pytest.fixture(scope="module")
def workers(customers_db: Database) -> Iterator[Workers]:
    with jobs_broker("transfers_imports") as url:
        running = Workers(
            customers_db,
            url,
            CRM_CUSTOMERS_IMPORT_CHUNK_ROWS=str(CHUNK_ROWS),
            CRM_CUSTOMERS_IMPORT_CHUNK_PAUSE_SECONDS="0.1",
        )
        running.start()
        try:
            yield running
        finally:
            running.kill_all()


def revenue_field(org: Org) -> None:
    org.created(
        "/api/v1/custom-fields",
        {"entity": "customer", "key": "revenue", "label": "Revenue", "type": "number"},
    )


def customers_of(org: Org, db: Database) -> list[Customer]:
    with tenant_context(uuid.UUID(org.tenant_id)), db.tenant_session() as session:
        return list(session.scalars(select(Customer).order_by(Customer.created_at)))


def test_good_bad_and_duplicate_rows_give_the_exact_report(
    workers: Workers, acme: Org, globex: Org, customers_db: Database
) -> None:
    revenue_field(acme)
    existing = acme.customer("北京华强科技有限公司")
    globex.customer("Globex Only Co")
    content = csv_bytes(
        [
            HEADER,
            [
                "上海明远贸易有限公司",
                "公司",
                "021-5555 0101",
                "info@mingyuan.cn",
                "A",
                "王伟",
                "13800000001",
                "1000",
                "x",
            ],
            ["北京华强科技", "company", "", "", "", "", "", "", ""],
            ["张三", "个人", "+86 138 1234 5678", "", "", "", "", "", ""],
            ["", "company", "", "", "", "", "", "", ""],
            ["李四", "person", "12", "", "", "", "", "", ""],
            ["Level Z Ltd", "company", "", "", "z", "", "", "", ""],
            ["张三丰", "person", "13812345678", "", "", "", "", "", ""],
            ["Shenzhen Widgets Co., Ltd.", "company", "", "bad-email", "", "", "", "", ""],
            ["Revenue Co", "company", "", "", "", "", "", "abc", ""],
            ["No Contact Name Co", "company", "", "", "", "", "13900000000", "", ""],
            ["Globex Only Co", "company", "", "", "", "", "", "", ""],
            ["", "", "", "", "", "", "", "", ""],
            ["Robot", "machine", "", "", "", "", "", "", ""],
        ]
    )
    job = imported(acme, content, MAPPING)
    assert job["status"] == "done", job
    rows = report(acme, job)
    created = {r["row"]: r["customer_id"] for r in rows if r["outcome"] == "created"}
    assert [(r["row"], r["outcome"], r["field"], r["reason"]) for r in rows] == [
        ("2", "created", "", ""),
        ("3", "skipped", "name", "likely duplicate of an existing customer"),
        ("4", "created", "", ""),
        ("5", "failed", "name", "String should have at least 1 character"),
        ("6", "failed", "phone", "'12' is not a phone number"),
        ("7", "failed", "level", "'z' is not a level of this tenant"),
        ("8", "skipped", "phone", "likely duplicate of an existing customer"),
        ("9", "failed", "email", "'bad-email' is not an email address"),
        ("10", "failed", "custom.revenue", "must be a number"),
        ("11", "failed", "contact.name", "a contact needs a name"),
        ("12", "created", "", ""),
        ("14", "failed", "kind", "'machine' is neither company nor person"),
    ]
    # Every reason also has a code (and its params), for a message in the user's language.
    codes = {
        r["row"]: [(e["field"], e.get("code"), e.get("params")) for e in json.loads(r["errors"])]
        for r in rows
        if r["errors"]
    }
    assert codes == {
        "3": [("name", "likely_duplicate", None)],
        "5": [("name", "string_too_short", {"min_length": 1})],
        "6": [("phone", "invalid_phone", None)],
        "7": [("level", "not_in_dictionary", {"value": "z"})],
        "8": [("phone", "likely_duplicate", None)],
        "9": [("email", "invalid_email", None)],
        "10": [("custom.revenue", "not_number", None)],
        "11": [("contact.name", "missing", None)],
        "14": [("kind", "invalid_kind", {"value": "machine"})],
    }
    by_row = {r["row"]: r for r in rows}
    assert by_row["3"]["customer_id"] == existing["id"]
    assert by_row["8"]["customer_id"] == created["4"], "a duplicate within the file"
    assert {
        k: job[k] for k in ("total", "processed", "created", "updated", "skipped", "failed")
    } == {
        "total": 12,
        "processed": 12,
        "created": 3,
        "updated": 0,
        "skipped": 2,
        "failed": 7,
    }
    mingyuan = acme.get(f"/api/v1/customers/{created['2']}").json()
    assert mingyuan["name"] == "上海明远贸易有限公司"
    assert mingyuan["phones"] == ["02155550101"]
    assert mingyuan["emails"] == ["info@mingyuan.cn"]
    assert mingyuan["level"] == "a", "a dictionary label is read as its key"
    assert mingyuan["custom"] == {"revenue": 1000}
    assert mingyuan["owner_id"] == acme.ids["admin"]
    [contact] = acme.get(f"/api/v1/customers/{created['2']}/contacts").json()["items"]
    assert (contact["name"], contact["phones"], contact["is_primary"]) == (
        "王伟",
        ["13800000001"],
        True,
    )
    zhang = acme.get(f"/api/v1/customers/{created['4']}").json()
    assert (zhang["kind"], zhang["phones"]) == ("person", ["13812345678"])
    # Each new customer is announced (search indexes it) and has its history.
    announced = {e["id"] for e in acme.events("customers.customer.created")}
    assert set(created.values()) <= announced
    assert [e["name"] for e in acme.events("customers.contact.created")] == ["王伟"]
    history = acme.get(f"/api/v1/customers/{created['2']}/history").json()["items"]
    assert [h["action"] for h in history] == ["created"]
    # Another tenant's customer of the same name is no duplicate; globex sees nothing of it.
    assert globex.names("/api/v1/customers") == {"Globex Only Co"}
    assert len(customers_of(acme, customers_db)) == 4
    assert globex.get(f"/api/v1/imports/{job['id']}").status_code == 404
    assert globex.get(f"/api/v1/imports/{job['id']}/report").status_code == 404


def test_update_writes_a_duplicate_row_over_the_customer(workers: Workers, acme: Org) -> None:
    acme.created("/api/v1/categories/tag", {"key": "vip", "label": "VIP"})
    acme.created("/api/v1/categories/tag", {"key": "east", "label": "East"})
    first = acme.customer("Huaqiang Tech Co., Ltd.", phone="13800000009", tags=["vip"])
    content = csv_bytes(
        [
            ["name", "city", "tags", "phone"],
            ["Huaqiang Tech", "Shenzhen", "East", "13900000009"],
            ["Brand New Ltd", "Beijing", "", ""],
            ["Brand New Limited", "Tianjin", "", ""],
        ]
    )
    mapping = {"name": "name", "city": "city", "tags": "tags", "phone": "phone"}
    job = imported(acme, content, mapping, on_duplicate="update")
    rows = report(acme, job)
    assert [(r["row"], r["outcome"]) for r in rows] == [
        ("2", "updated"),
        ("3", "created"),
        ("4", "updated"),
    ]
    assert rows[0]["customer_id"] == first["id"]
    assert rows[2]["customer_id"] == rows[1]["customer_id"], "the row created just before"
    updated = acme.get(f"/api/v1/customers/{first['id']}").json()
    assert updated["name"] == "Huaqiang Tech Co., Ltd."
    assert updated["city"] == "Shenzhen"
    assert updated["tags"] == ["vip", "east"]
    assert updated["phones"] == ["13800000009", "13900000009"]
    assert acme.get(f"/api/v1/customers/{rows[1]['customer_id']}").json()["city"] == "Tianjin"
    changed = [
        h["action"] for h in acme.get(f"/api/v1/customers/{first['id']}/history").json()["items"]
    ]
    assert changed == ["updated", "created"]


def test_every_reason_a_row_is_not_imported_has_a_code(
    workers: Workers, acme: Org, globex: Org
) -> None:
    acme.created(
        "/api/v1/custom-fields",
        {"entity": "customer", "key": "tax_no", "label": "Tax no", "type": "text", "unique": True},
    )
    acme.customer("Taxed Co", custom={"tax_no": "T-1"})
    acme.customer("Admin Owned Co")
    importer = acme.role("importer", scope="own", extra=("import",))
    acme.add_user("ivy", role_ids=(importer,))
    globex.customer("Globex Owned Co")
    many_phones = ",".join(f"1380000{n:04d}" for n in range(11))
    content = csv_bytes(
        [
            ["name", "tax_no", "birthday", "phone"],
            ["Second Taxed Co", "T-1", "", ""],
            ["Born Co", "", "2000-01-01", ""],
            ["Many Phones Co", "", "", many_phones],
            ["Admin Owned Co", "", "", ""],
            ["Globex Owned Co", "", "", ""],
        ]
    )
    mapping = {"name": "name", "tax_no": "custom.tax_no", "birthday": "birthday", "phone": "phone"}
    job = imported(acme, content, mapping, on_duplicate="update", as_="ivy")
    assert job["status"] == "done", job
    rows = report(acme, job, as_="ivy")
    coded = {
        r["row"]: [(e["field"], e["code"], e.get("params")) for e in json.loads(r["errors"])]
        for r in rows
        if r["errors"]
    }
    assert coded == {
        "2": [("custom.tax_no", "taken", None)],
        "3": [("birthday", "birthday_for_company", None)],
        "4": [("phone", "too_long", {"max_length": 10})],
        "5": [("row", "duplicate_not_changeable", None)],
    }
    # Another tenant's customer of that name is no duplicate: created.
    assert [r["outcome"] for r in rows if r["row"] == "6"] == ["created"]
    assert globex.names("/api/v1/customers") == {"Globex Owned Co"}


def test_create_anyway_needs_force_create(workers: Workers, acme: Org) -> None:
    acme.add_user("rep", roles=("sales_rep",))
    rep_importer = acme.role("importer", extra=("import",))
    acme.add_user("ida", role_ids=(rep_importer,))
    content = csv_bytes([["name"], ["Twice Co"], ["Twice Co"]])
    assert upload(acme, content, {"name": "name"}, as_="rep").status_code == 403
    refused = upload(acme, content, {"name": "name"}, on_duplicate="create", as_="ida")
    assert refused.status_code == 403
    job = imported(acme, content, {"name": "name"}, on_duplicate="create")
    assert (job["created"], job["skipped"]) == (2, 0)
    assert acme.names("/api/v1/customers") == {"Twice Co"}
    assert len(acme.get("/api/v1/customers").json()["items"]) == 2


def test_a_gbk_csv_imports_its_chinese_text(workers: Workers, acme: Org, globex: Org) -> None:
    content = csv_bytes(
        [
            ["客户名称", "城市", "备注"],
            ["深圳华为技术有限公司", "深圳", "重要客户"],
            ["杭州阿里巴巴", "杭州", ""],
        ],
        encoding="gbk",
    )
    with pytest.raises(UnicodeDecodeError):
        content.decode("utf-8")
    job = imported(acme, content, {"客户名称": "name", "城市": "city", "备注": "notes"})
    assert (job["status"], job["created"]) == ("done", 2)
    listed = acme.get("/api/v1/customers", params={"sort": "name"}).json()["items"]
    assert {(c["name"], c["city"], c["notes"]) for c in listed} == {
        ("深圳华为技术有限公司", "深圳", "重要客户"),
        ("杭州阿里巴巴", "杭州", None),
    }
    assert globex.names("/api/v1/customers") == set()


def test_an_xlsx_file_with_numbers_and_dates(workers: Workers, acme: Org) -> None:
    content = xlsx_bytes(
        [
            ["Name", "Kind", "Mobile", "Birthday", "Contact"],
            ["Wang Fang", "person", 13900001111, date(1990, 5, 17), "Wang Fang"],
            ["Acme XLSX Ltd", "company", None, None, None],
            ["Too Early", "company", None, date(1990, 1, 1), None],
        ]
    )
    mapping = {"Name": "name", "Kind": "kind", "Mobile": "phone", "Birthday": "birthday"}
    job = imported(acme, content, {**mapping, "Contact": "contact.name"}, name="people.xlsx")
    rows = report(acme, job)
    assert [(r["row"], r["outcome"], r["field"]) for r in rows] == [
        ("2", "created", ""),
        ("3", "created", ""),
        ("4", "failed", "birthday"),
    ]
    wang = acme.get(f"/api/v1/customers/{rows[0]['customer_id']}").json()
    assert (wang["phones"], wang["birthday"]) == (["13900001111"], "1990-05-17")


def test_preview_maps_and_checks_the_first_rows_and_writes_nothing(
    workers: Workers, acme: Org
) -> None:
    acme.customer("Existing Ltd")
    content = csv_bytes(
        [["客户名称", "电话", "Whatever"], ["Existing Co., Ltd.", "", "x"], ["New Co", "12", "y"]]
    )
    suggested = upload(acme, content, None, path="/api/v1/imports/preview")
    assert suggested.status_code == 200, suggested.text
    body = suggested.json()
    assert body["columns"] == ["客户名称", "电话", "Whatever"]
    assert body["mapping"] == {"客户名称": "name", "电话": "phone"}
    assert [(r["row"], r["outcome"]) for r in body["rows"]] == [(2, "skipped"), (3, "failed")]
    assert body["rows"][1]["errors"] == [
        {
            "field": "phone",
            "reason": "'12' is not a phone number",
            "code": "invalid_phone",
            "params": None,
        }
    ]
    assert acme.names("/api/v1/customers") == {"Existing Ltd"}
    wrong = upload(acme, content, {"Nope": "name"}, path="/api/v1/imports/preview")
    assert wrong.status_code == 422
    assert wrong.json()["errors"][0]["field"] == "mapping"
    assert "'Nope' is not in the file" in wrong.json()["detail"]


def test_saved_mappings(acme: Org, globex: Org) -> None:
    saved = acme.created(
        "/api/v1/imports/mappings",
        {"name": "CRM export", "mapping": {"客户名称": "name", "电话": "phone"}},
    )
    assert saved["on_duplicate"] == "skip"
    listed = acme.get("/api/v1/imports/mappings").json()["items"]
    assert [(m["name"], m["mapping"]) for m in listed] == [
        ("CRM export", {"客户名称": "name", "电话": "phone"})
    ]
    assert globex.get("/api/v1/imports/mappings").json()["items"] == []
    again = acme.post("/api/v1/imports/mappings", {"name": "CRM export", "mapping": {"a": "name"}})
    assert again.status_code == 409
    bad = acme.post("/api/v1/imports/mappings", {"name": "Bad", "mapping": {"a": "salary"}})
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "mapping"


def test_bad_uploads_are_refused_and_nothing_is_queued(
    acme: Org, customers_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    good = csv_bytes([["name"], ["X"]])
    assert upload(acme, good, {"name": "name"}, on_duplicate="merge").status_code == 422
    assert upload(acme, good, {"name": "city"}).json()["errors"][0]["field"] == "mapping"
    broken = upload(acme, b"\xff\xfe\x00garbage\x81", {"name": "name"}, name="x.xls")
    assert broken.status_code == 422
    assert broken.json()["errors"][0]["field"] == "file"
    not_json = upload(acme, good, None)
    assert not_json.status_code == 422
    assert not_json.json()["errors"][0]["field"] == "mapping"
    hider = acme.role("hider", extra=("import",), phone="read_only")
    acme.add_user("hank", role_ids=(hider,))
    refused = upload(
        acme, csv_bytes([["n", "p"], ["A", "1380000"]]), {"n": "name", "p": "phone"}, as_="hank"
    )
    assert refused.status_code == 403
    assert refused.json()["errors"][0]["field"] == "phone"
    monkeypatch.setattr(get_customers_settings(), "import_max_bytes", 8)
    too_large = upload(acme, good, {"name": "name"})
    assert too_large.status_code == 413
    assert too_large.json()["limit"] == 8
    assert too_large.json()["errors"][0]["field"] == "file"
    with tenant_context(uuid.UUID(acme.tenant_id)), customers_db.tenant_session() as session:
        assert session.scalar(select(func.count()).select_from(ImportJob)) == 0
    assert acme.names("/api/v1/customers") == set()


def test_a_worker_killed_mid_import_finishes_it_with_no_row_twice_and_none_lost(
    workers: Workers, acme: Org, globex: Org, customers_db: Database
) -> None:
    total = 30 * CHUNK_ROWS
    names = [f"Company {n:05d}" for n in range(total)]
    for n in range(100, total, 10):
        names[n] = names[n - 75]  # a duplicate, often of a row in an earlier chunk
    content = csv_bytes([["name"], *([name] for name in names)])
    started = upload(acme, content, {"name": "name"})
    assert started.status_code == 202, started.text
    path = f"/api/v1/imports/{started.json()['id']}"
    deadline = time.monotonic() + 120
    while (status := acme.get(path).json())["processed"] < 5 * CHUNK_ROWS:
        assert time.monotonic() < deadline, status
        time.sleep(0.02)
    workers.kill_all(signal.SIGKILL)
    stopped = acme.get(path).json()
    assert stopped["status"] == "running"
    assert 0 < stopped["processed"] < total
    time.sleep(0.5)
    assert acme.get(path).json()["processed"] == stopped["processed"], "nobody is working"
    workers.start()
    job = wait_for(acme, path)
    duplicates = total - len(set(names))
    assert (job["status"], job["total"], job["processed"]) == ("done", total, total)
    assert (job["created"], job["skipped"], job["failed"]) == (len(set(names)), duplicates, 0)
    rows = report(acme, job)
    assert [int(r["row"]) for r in rows] == list(range(2, total + 2)), "every row once, in order"
    stored = customers_of(acme, customers_db)
    assert Counter(c.name for c in stored) == Counter(set(names)), "no customer twice"
    assert {r["customer_id"] for r in rows if r["outcome"] == "created"} == {
        str(c.id) for c in stored
    }
    announced = [e["id"] for e in acme.events("customers.customer.created")]
    assert sorted(announced) == sorted(str(c.id) for c in stored), "each announced once"
    assert customers_of(globex, customers_db) == []
