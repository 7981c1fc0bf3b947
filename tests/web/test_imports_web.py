"""Imports and exports in a real browser, in two tenants: the wizard end to end (upload, the
mapping with its preview, a progress bar that moves, the exact failed and skipped rows), and
an export of a filtered list whose file has exactly the list's customers, masked as shown."""

import csv
import io
import json
import re
import time
import uuid

from playwright.sync_api import Page, expect
from web_testkit import Company, add_user, shot, sign_in

ROWS = 3000
# 0-based data index -> (sheet row, outcome, field): the header is row 1.
BAD_EMAIL_AT = (1, 2500)
NO_NAME_AT = 5
SAME_FILE_DUPLICATE_AT = 10  # repeats row 2's name
EXISTING_DUPLICATE_AT = 15  # a customer Acme already has


def _csv(run: str, existing: str) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["Customer name", "Phone", "Email", "Remark"])
    for i in range(ROWS):
        name = f"Imported {run} {i:04d}"
        email = f"row{i}@{run}.example"
        if i in BAD_EMAIL_AT:
            email = "not-an-email"
        if i == NO_NAME_AT:
            name = ""
        if i == SAME_FILE_DUPLICATE_AT:
            name = f"Imported {run} 0000"
        if i == EXISTING_DUPLICATE_AT:
            name = existing
        writer.writerow([name, f"139{i:08d}", email, f"remark {i}"])
    return out.getvalue().encode("utf-8")


def _sign_out(page: Page) -> None:
    page.click("#sign-out")
    page.wait_for_load_state()


def _progress(page: Page) -> tuple[str, float, float]:
    """The import's status and its progress bar's value and maximum, read in one go."""
    status, value, top = page.evaluate(
        """() => {
          const bar = document.getElementById("import-bar");
          const box = document.getElementById("import-status");
          return [box.dataset.status, bar.getAttribute("value"), bar.getAttribute("max")];
        }"""
    )
    return status, float(value or 0), float(top or 0)


def test_the_import_wizard_end_to_end_with_a_progress_bar_that_moves(
    page: Page, phone: Page, base: str, companies: tuple[Company, Company]
) -> None:
    acme, globex = companies
    run = uuid.uuid4().hex[:6]
    existing = f"Existing {run} Ltd"
    acme.api("POST", "/api/v1/customers", json={"kind": "company", "name": existing})
    globex.api("POST", "/api/v1/customers", json={"kind": "company", "name": f"环球 {run}"})

    # Step 1: the list's Import button, then the file.
    sign_in(page, base, acme, acme.admin_email)
    page.goto(f"{base}/customers")
    page.click("#open-import")
    expect(page).to_have_url(re.compile(r"/imports/new$"))
    expect(page.locator("input[name=on_duplicate][value=create]")).to_have_count(1)
    page.set_input_files(
        "#import-file",
        files=[{"name": "acme.csv", "mimeType": "text/csv", "buffer": _csv(run, existing)}],
    )
    expect(page.locator("#chosen-file")).to_contain_text("acme.csv")
    shot(page, "imports-step1-desktop")
    page.click("#upload-next")

    # Step 2: suggested columns pre-filled, one mapped by hand; the preview follows. The file
    # waits in the customers service under an id (any web replica serves the next step).
    expect(page).to_have_url(re.compile(r"/imports/new/[0-9a-f-]{36}\?on_duplicate=skip$"))
    upload_key = page.url.split("/imports/new/")[1].split("?")[0]
    expect(page.locator("select[data-column='Customer name']")).to_have_value("name")
    expect(page.locator("select[data-column='Email']")).to_have_value("email")
    expect(page.locator("select[data-column='Remark']")).to_have_value("")
    preview = page.locator("#preview-table")
    expect(preview.locator("tr[data-row='3'] .badge")).to_have_text("Error")
    expect(preview.locator("tr[data-row='3'] .problems")).to_contain_text("Email")
    expect(preview.locator("tr[data-row='7'] .problems")).to_contain_text("Name")
    expect(preview.locator("tr[data-row='12'] .badge")).to_have_text("Skipped")
    expect(preview.locator("tr[data-row='17'] .badge")).to_have_text("Skipped")
    expect(preview.locator("tr[data-row='17'] .duplicate a")).to_have_text(existing)
    expect(preview.locator("tr[data-row='12'] .duplicate")).to_contain_text("earlier row")
    expect(preview.locator("tr[data-row='2'] .badge")).to_have_text("New")
    expect(preview.locator("thead")).not_to_contain_text("Notes")
    page.select_option("select[data-column='Remark']", "name")  # Name twice: refused
    expect(page.locator("#mapping-error")).to_be_visible()
    page.select_option("select[data-column='Remark']", "notes")
    expect(preview.locator("thead")).to_contain_text("Notes")
    expect(page.locator("#preview-table tr[data-row='2']")).to_contain_text("remark 0")

    # Save the mapping, and load it back.
    page.fill("#mapping-name", f"Acme CRM export {run}")
    page.click("#save-mapping")
    expect(page).to_have_url(re.compile(r"saved="))
    expect(page.locator("select[name=saved] option:checked")).to_have_text(f"Acme CRM export {run}")
    expect(page.locator("select[data-column='Remark']")).to_have_value("notes")
    page.fill("#mapping-name", f"Acme CRM export {run}")
    page.click("#save-mapping")
    expect(page.locator("#err-name")).to_contain_text("exists")  # the 409, beside the name
    shot(page, "imports-step2-desktop")

    # Step 3: the bar moves, then the report names exactly the rows not imported.
    page.click("#start-import")
    expect(page).to_have_url(re.compile(r"/imports/[0-9a-f-]{36}$"))
    import_id = page.url.rsplit("/", 1)[1]
    seen: list[tuple[str, float, float]] = []
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        seen.append(_progress(page))
        if seen[-1][0] in ("done", "failed"):
            break
        page.wait_for_timeout(150)
    status, value, top = seen[-1]
    assert status == "done", seen[-5:]
    assert value == top == ROWS
    between = sorted({v for s, v, m in seen if 0 < v < m})
    assert between, f"the bar never showed a value between 0 and {ROWS}: {seen}"
    print(f"progress values seen part-way: {between}")  # noqa: T201 - shown with -s
    shot(page, "imports-step3-desktop")
    expect(page.locator("#count-created")).to_have_text("2,995")
    expect(page.locator("#count-failed")).to_have_text("3")
    expect(page.locator("#count-skipped")).to_have_text("2")
    report = page.locator("#report-rows tbody tr")
    rows = {
        (r.get_attribute("data-row"), r.locator(".badge").inner_text(),
         r.locator(".report-field").inner_text())
        for r in report.all()
    }  # fmt: skip
    assert rows == {
        ("3", "Error", "Email"), ("7", "Error", "Name"), ("2502", "Error", "Email"),
        ("12", "Skipped", "Name"), ("17", "Skipped", "Name"),
    }, rows  # fmt: skip
    # The full report through the console (the token stays server-side).
    href = page.locator("#report-download").get_attribute("href")
    downloaded = page.request.get(f"{base}{href}")
    assert downloaded.status == 200
    lines = list(csv.reader(io.StringIO(downloaded.body().decode("utf-8-sig"))))
    assert lines[0] == ["row", "outcome", "customer_id", "field", "reason"]
    assert len(lines) == ROWS + 1
    assert sum(1 for line in lines if line[1] == "created") == 2995

    # Its upload was used up by the import: the wizard asks for the file again.
    assert page.goto(f"{base}/imports/new/{upload_key}").status == 410  # type: ignore[union-attr]

    # The customers are there for Acme.
    page.goto(f"{base}/customers?f=name&op=contains&v=Imported+{run}")
    expect(page.locator("h1 .count")).to_have_text("2,995")

    # Phone: the wizard's steps at 390 px (the drop zone given the file by a drop).
    sign_in(phone, base, acme, acme.admin_email)
    phone.goto(f"{base}/imports/new")
    shot(phone, "imports-step1-phone")
    phone.evaluate(
        """(text) => {
          const data = new DataTransfer();
          data.items.add(new File([text], "dropped.csv", {type: "text/csv"}));
          document.getElementById("drop-zone").dispatchEvent(
            new DragEvent("drop", {dataTransfer: data, bubbles: true, cancelable: true}));
        }""",
        f"Customer name,Phone,Email\nDropped {run},13700000000,bad-email\n",
    )
    expect(phone.locator("#chosen-file")).to_contain_text("dropped.csv")
    phone.click("#upload-next")
    expect(phone.locator("#preview-table tr[data-row='2'] .badge")).to_have_text("Error")
    waiting_key = phone.url.split("/imports/new/")[1].split("?")[0]
    shot(phone, "imports-step2-phone")
    phone.goto(f"{base}/imports/{import_id}")
    expect(phone.locator("#import-status")).to_have_attribute("data-status", "done")
    shot(phone, "imports-step3-phone")
    _sign_out(phone)

    # Globex sees none of it, and Acme's import is not found.
    sign_in(phone, base, globex, globex.admin_email)
    phone.goto(f"{base}/imports/new")
    expect(phone.locator("h1")).to_have_text("导入客户")
    shot(phone, "imports-step1-phone-zh")
    phone.goto(f"{base}/customers?f=name&op=contains&v=Imported+{run}")
    expect(phone.locator("#customer-list")).not_to_contain_text(f"Imported {run}")
    assert phone.goto(f"{base}/imports/{import_id}").status == 404  # type: ignore[union-attr]
    assert phone.goto(f"{base}/imports/{import_id}/report").status == 404  # type: ignore[union-attr]
    # Acme's waiting upload is not Globex's to preview or import.
    assert phone.goto(f"{base}/imports/new/{waiting_key}").status == 410  # type: ignore[union-attr]
    found = globex.api("GET", "/api/v1/customers", params={"filter": f"name:contains:{run}"})
    assert [c["name"] for c in found["items"]] == [f"环球 {run}"]


EXPORT_PERMISSIONS = ["customers:view", "customers:export"]


def _exported(page: Page, base: str) -> list[dict[str, str]]:
    expect(page).to_have_url(re.compile(r"/exports/[0-9a-f-]{36}$"))
    expect(page.locator("#export-status")).to_have_attribute("data-status", "done", timeout=120_000)
    href = page.locator("#export-download").get_attribute("href")
    downloaded = page.request.get(f"{base}{href}")
    assert downloaded.status == 200
    assert downloaded.headers["content-type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(downloaded.body().decode("utf-8-sig"))))


def test_an_export_of_the_filtered_list_has_its_customers_masked_as_shown(
    page: Page, base: str, companies: tuple[Company, Company]
) -> None:
    acme, globex = companies
    run = uuid.uuid4().hex[:6]
    ids = {}
    for company in companies:
        role = company.api(
            "POST", "/api/v1/roles",
            json={"name": f"Exporter {run}", "permissions": EXPORT_PERMISSIONS,
                  "scopes": {"customers": "all"}},
        )  # fmt: skip
        add_user(company, f"ex{run}", role_ids=[role["id"]])
        for n, suffix in enumerate(("A", "B", "C", "Drop")):
            name = f"Export {'Keep' if suffix != 'Drop' else 'Other'} {run} {suffix}"
            body = {"kind": "company", "name": name, "phone": f"1381234{n:04d}"}
            ids[(company.slug, suffix)] = company.api("POST", "/api/v1/customers", json=body)["id"]

    sign_in(page, base, acme, f"ex{run}@{acme.slug}.example")
    page.goto(f"{base}/customers?f=name&op=contains&v=Export+Keep+{run}")
    shown = {
        row.locator("td.title a").inner_text(): row.locator("td.phone").inner_text()
        for row in page.locator("#customer-list tr.record").all()
    }
    assert sorted(shown) == [f"Export Keep {run} {s}" for s in ("A", "B", "C")]
    assert all("*" in phone for phone in shown.values()), shown  # others' phones are masked
    shot(page, "exports-list-desktop")
    page.click("#open-export")
    exported = _exported(page, base)
    shot(page, "exports-done-desktop")
    assert {row["name"]: row["phones"] for row in exported} == shown
    assert {row["id"] for row in exported} == {ids[(acme.slug, s)] for s in "ABC"}

    # The bulk action's contract: selected ids, ANDed with the filter.
    csrf = page.locator("body").get_attribute("hx-headers") or ""
    token = re.search(r'"X-CSRF-Token": "([^"]+)"', csrf)
    assert token
    chosen = [ids[(acme.slug, "A")], ids[(acme.slug, "Drop")]]
    form = {"csrf_token": token.group(1), "format": "csv", "f": "name", "op": "contains",
            "v": f"Export Keep {run}"}  # fmt: skip
    # Playwright's form= cannot repeat a field: post the ids the way a browser form does.
    body = "&".join(
        [f"{k}={v.replace(' ', '+')}" for k, v in form.items()] + [f"ids={i}" for i in chosen]
    )
    answer = page.request.post(
        f"{base}/exports",
        data=body,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        max_redirects=0,
    )
    assert answer.status == 303, answer.text()
    page.goto(f"{base}{answer.headers['location']}")
    selected = _exported(page, base)
    assert [row["name"] for row in selected] == [f"Export Keep {run} A"]
    export_id = page.url.rsplit("/", 1)[1]
    _sign_out(page)

    # Globex: its own list only, and Acme's export is not found.
    sign_in(page, base, globex, globex.admin_email)
    assert page.goto(f"{base}/exports/{export_id}").status == 404  # type: ignore[union-attr]
    assert page.goto(f"{base}/exports/{export_id}/file").status == 404  # type: ignore[union-attr]
    page.goto(f"{base}/customers?f=name&op=contains&v=Export+Keep+{run}")
    page.click("#open-export")
    globex_rows = _exported(page, base)
    assert {row["id"] for row in globex_rows} == {ids[(globex.slug, s)] for s in "ABC"}


BULK_ROWS = 1200


def _wait_for_import(company: Company, import_id: str) -> dict[str, object]:
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        job: dict[str, object] = company.api("GET", f"/api/v1/imports/{import_id}")
        if job["status"] in ("done", "failed"):
            return job
        time.sleep(0.5)
    raise AssertionError(f"import {import_id} still running")


def test_an_exports_progress_page_counts_its_rows_part_way(
    page: Page, base: str, companies: tuple[Company, Company]
) -> None:
    acme, globex = companies
    run = uuid.uuid4().hex[:6]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["name"])
    writer.writerows([f"Export Bulk {run} {i:04d}"] for i in range(BULK_ROWS))
    queued = acme.api(
        "POST", "/api/v1/imports",
        files={"file": ("bulk.csv", out.getvalue().encode(), "text/csv")},
        data={"mapping": '{"name": "name"}'},
    )  # fmt: skip
    assert _wait_for_import(acme, queued["id"])["created"] == BULK_ROWS
    globex.api("POST", "/api/v1/customers", json={"kind": "company", "name": f"环球 Bulk {run}"})

    sign_in(page, base, acme, acme.admin_email)
    page.goto(f"{base}/customers?f=name&op=contains&v=Export+Bulk+{run}")
    page.click("#open-export")
    expect(page).to_have_url(re.compile(r"/exports/[0-9a-f-]{36}$"))
    export_id = page.url.rsplit("/", 1)[1]
    seen: list[tuple[str, float, float, str]] = []
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        seen.append(
            page.evaluate(
                """() => {
                  const box = document.getElementById("export-status");
                  const bar = document.getElementById("export-bar");
                  const text = document.getElementById("export-processed");
                  return [box.dataset.status, Number(bar.getAttribute("value") || 0),
                          Number(bar.getAttribute("max") || 0), text ? text.innerText : ""];
                }"""
            )
        )
        if seen[-1][0] in ("done", "failed"):
            break
        if 0 < seen[-1][1] < seen[-1][2] and len([x for x in seen if 0 < x[1] < x[2]]) == 1:
            shot(page, "exports-progress-desktop")  # the first part-way state seen
        page.wait_for_timeout(150)
    part_way = [(v, m, text) for s, v, m, text in seen if s == "running" and 0 < v < m]
    assert part_way, f"the bar never showed a count part-way: {seen}"
    assert {m for _, m, _ in part_way} == {BULK_ROWS}
    value, _, text = part_way[0]
    assert text == f"{int(value):,} of 1,200 customers written", text
    assert seen[-1][0] == "done"
    expect(page.locator("#export-total")).to_contain_text("1,200")
    shot(page, "exports-done-big-desktop")
    _sign_out(page)

    # Globex: none of Acme's rows in its list, and Acme's export is not found.
    sign_in(page, base, globex, globex.admin_email)
    assert page.goto(f"{base}/exports/{export_id}").status == 404  # type: ignore[union-attr]
    page.goto(f"{base}/customers?f=name&op=contains&v=Bulk+{run}")
    expect(page.locator("#customer-list")).to_contain_text(f"环球 Bulk {run}")
    expect(page.locator("#customer-list")).not_to_contain_text(f"Export Bulk {run}")


def _report_file(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows([["name", "email", "kind"], *rows])
    return out.getvalue().encode("utf-8")


def test_the_import_report_speaks_the_users_language(
    page: Page, phone: Page, base: str, companies: tuple[Company, Company]
) -> None:
    acme, globex = companies
    run = uuid.uuid4().hex[:6]
    existing = f"环球已有 {run}"
    globex.api("POST", "/api/v1/customers", json={"kind": "company", "name": existing})
    acme.api("POST", "/api/v1/customers", json={"kind": "company", "name": existing})
    rows = [
        [f"环球 {run} 甲", f"a@{run}.example", "company"],
        [f"环球 {run} 乙", "not-an-email", "company"],
        [f"环球 {run} 丙", "", "machine"],
        [existing, "", "company"],
    ]

    # Globex (zh-CN) through the wizard: step 3 and the downloaded report in Chinese.
    sign_in(page, base, globex, globex.admin_email)
    page.goto(f"{base}/imports/new")
    page.set_input_files(
        "#import-file",
        files=[{"name": "zh.csv", "mimeType": "text/csv", "buffer": _report_file(rows)}],
    )
    page.click("#upload-next")
    expect(page.locator("select[data-column='email']")).to_have_value("email")
    page.click("#start-import")
    expect(page.locator("#import-status")).to_have_attribute("data-status", "done", timeout=120_000)
    import_id = page.url.rsplit("/", 1)[1]
    shot(page, "imports-report-zh-desktop")
    reasons = {
        r.get_attribute("data-row"): r.locator(".report-reason").inner_text()
        for r in page.locator("#report-rows tbody tr").all()
    }
    assert reasons == {
        "3": "不是有效的电子邮箱",
        "4": "“machine”既不是公司也不是个人",
        "5": "疑似与已有客户重复",
    }, reasons
    href = page.locator("#report-download").get_attribute("href")
    downloaded = page.request.get(f"{base}{href}")
    assert downloaded.status == 200
    assert downloaded.headers["content-type"].startswith("text/csv")
    lines = list(csv.reader(io.StringIO(downloaded.body().decode("utf-8-sig"))))
    assert lines[0] == ["row", "outcome", "customer_id", "field", "reason"]
    assert [(line[0], line[1], line[4]) for line in lines[1:]] == [
        ("2", "created", ""),
        ("3", "failed", "不是有效的电子邮箱"),
        ("4", "failed", "“machine”既不是公司也不是个人"),
        ("5", "skipped", "疑似与已有客户重复"),
    ]
    _sign_out(page)
    sign_in(phone, base, globex, globex.admin_email)
    phone.goto(f"{base}/imports/{import_id}")
    expect(phone.locator("#report-rows")).to_contain_text("疑似与已有客户重复")
    shot(phone, "imports-report-zh-phone")

    # Acme (en): Globex's import is not found; its own report reads in English.
    queued = acme.api(
        "POST", "/api/v1/imports",
        files={"file": ("en.csv", _report_file(rows), "text/csv")},
        data={"mapping": '{"name": "name", "email": "email", "kind": "kind"}'},
    )  # fmt: skip
    assert _wait_for_import(acme, queued["id"])["status"] == "done"
    sign_in(page, base, acme, acme.admin_email)
    assert page.goto(f"{base}/imports/{import_id}").status == 404  # type: ignore[union-attr]
    assert page.goto(f"{base}/imports/{import_id}/report").status == 404  # type: ignore[union-attr]
    page.goto(f"{base}/imports/{queued['id']}")
    expect(page.locator("#report-rows tr[data-row='5'] .report-reason")).to_have_text(
        "Likely duplicate of an existing customer"
    )
    english = page.request.get(f"{base}/imports/{queued['id']}/report")
    text = english.body().decode("utf-8-sig")
    assert "Not an email address" in text
    assert "“machine” is neither company nor person" in text
    assert "疑似" not in text


MANY_BAD = 120  # rows not imported: more than two pages of 50


def _many_bad_file(run: str, tax_key: str) -> tuple[bytes, dict[str, str]]:
    """Rows 2-121 have a bad e-mail, every 10th also a bad number in a custom field; ten
    good rows follow."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["名称", "邮箱", "税号", "联系人", "联系人电话"])
    for i in range(MANY_BAD):
        tax = "abc" if i % 10 == 0 else "1"
        writer.writerow([f"坏行 {run} {i:03d}", "not-an-email", tax, "王伟", "12"])
    for i in range(10):
        writer.writerow([f"好行 {run} {i:03d}", f"ok{i}@{run}.example", "2", "", ""])
    mapping = {"名称": "name", "邮箱": "email", "税号": f"custom.{tax_key}",
               "联系人": "contact.name", "联系人电话": "contact.phone"}  # fmt: skip
    return out.getvalue().encode("utf-8"), mapping


def _rows_on_screen(page: Page) -> list[tuple[str, str]]:
    return [
        (r.get_attribute("data-row") or "", r.locator(".report-field").inner_text())
        for r in page.locator("#report-rows tbody tr.record").all()
    ]


def test_rows_not_imported_come_a_page_at_a_time_with_field_labels(
    page: Page, phone: Page, base: str, companies: tuple[Company, Company]
) -> None:
    acme, globex = companies
    run = uuid.uuid4().hex[:6]
    tax_key = f"tax_{run}"
    globex.api(
        "POST", "/api/v1/custom-fields",
        json={"entity": "customer", "key": tax_key, "label": f"税号{run}", "type": "number"},
    )  # fmt: skip
    content, mapping = _many_bad_file(run, tax_key)
    started = globex.api(
        "POST", "/api/v1/imports",
        files={"file": ("many.csv", content, "text/csv")},
        data={"mapping": json.dumps(mapping, ensure_ascii=False)},
    )  # fmt: skip
    job = _wait_for_import(globex, started["id"])
    assert (job["status"], job["failed"], job["created"]) == ("done", MANY_BAD, 10), job
    acme_job = acme.api(
        "POST", "/api/v1/imports",
        files={"file": ("en.csv", _report_file([[f"Acme {run}", "bad", "company"]]), "text/csv")},
        data={"mapping": '{"name": "name", "email": "email", "kind": "kind"}'},
    )  # fmt: skip
    assert _wait_for_import(acme, acme_job["id"])["failed"] == 1

    # Globex (zh-CN): the first page, then "more" twice appends the rest, in row order.
    sign_in(page, base, globex, globex.admin_email)
    page.goto(f"{base}/imports/{started['id']}")
    more = page.locator("#report-more-button")
    expect(more).to_have_text("显示更多")
    first = _rows_on_screen(page)
    assert sorted({int(r) for r, _ in first}) == list(range(2, 52)), first
    shot(page, "imports-rows-page1-zh-desktop")
    more.click()
    expect(page.locator("#report-rows tr.record[data-row='101']").first).to_be_visible()
    more.click()
    expect(page.locator("#report-rows tr.record[data-row='121']").first).to_be_visible()
    expect(more).to_have_count(0)
    shown = _rows_on_screen(page)
    rows = [int(r) for r, _ in shown]
    assert sorted(set(rows)) == list(range(2, 2 + MANY_BAD))
    assert rows == sorted(rows), "pages appended in row order"
    # Each bad row once per bad field, fields by their Chinese labels (a custom field's own).
    per_row = {(r, f) for r, f in shown}
    assert len(shown) == len(per_row)
    assert {f for _, f in shown} == {"邮箱", f"税号{run}", "联系人：电话"}, set(shown)
    assert ("2", f"税号{run}") in per_row
    assert ("3", f"税号{run}") not in per_row
    expect(page.locator("#report-rows tr.record[data-row='2']").first).to_contain_text("错误")
    shot(page, "imports-rows-all-zh-desktop")
    # The downloaded report keeps the API's machine field names.
    downloaded = page.request.get(f"{base}/imports/{started['id']}/report")
    lines = list(csv.reader(io.StringIO(downloaded.body().decode("utf-8-sig"))))
    assert lines[1][3].split("; ") == ["email", f"custom.{tax_key}", "contact.phone"]

    sign_in(phone, base, globex, globex.admin_email)
    phone.goto(f"{base}/imports/{started['id']}")
    phone.locator("#report-more-button").click()
    expect(phone.locator("#report-rows tr.record[data-row='101']").first).to_be_visible()
    shot(phone, "imports-rows-zh-phone")

    # Acme: Globex's rows are not found, page or "more"; its own rows hold only its own.
    sign_in(page, base, acme, acme.admin_email)
    for path in (f"/imports/{started['id']}", f"/imports/{started['id']}/rows"):
        assert page.goto(f"{base}{path}").status == 404, path  # type: ignore[union-attr]
    page.goto(f"{base}/imports/{acme_job['id']}")
    assert _rows_on_screen(page) == [("2", "Email")]
    expect(page.locator("#report-rows")).not_to_contain_text("坏行")
    expect(page.locator("#report-more-button")).to_have_count(0)
