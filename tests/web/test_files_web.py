"""A customer's files in a real browser, in two tenants: an image picked and a PDF dropped
both upload with their own progress bar to 100%, the image previews (thumbnail and larger),
the PDF opens as a PDF, a new version keeps the old one downloadable with its own bytes, and
neither company sees the other's files (on screen, and by id: 404). A rep who may only read
the customer sees the files but no upload zone, and the service refuses the upload anyway."""

import hashlib
import struct
import zlib
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, expect
from web_testkit import Company, add_user, shot, sign_in

from crm_web.pages.customer_files import human_size

# A minimal one-page PDF: the files service sniffs `%PDF-` and takes it.
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


def png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A real PNG of one colour (the browser must decode it: naturalWidth > 0)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    row = b"\x00" + bytes(rgb) * width
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(row * height))
        + chunk(b"IEND", b"")
    )


BLUE = png(1280, 800, (23, 100, 216))  # a photo: the list shows its 320 px thumbnail
ORANGE = png(320, 200, (240, 140, 20))

DROP = """([name, bytes, type]) => {
  const file = new File([new Uint8Array(bytes)], name, { type });
  const data = new DataTransfer();
  data.items.add(file);
  const zone = document.getElementById("files-drop");
  for (const kind of ["dragenter", "dragover", "drop"]) {
    const options = { bubbles: true, cancelable: true, dataTransfer: data };
    zone.dispatchEvent(new DragEvent(kind, options));
  }
}"""


def _customer(company: Company, name: str) -> str:
    body = {"kind": "company", "name": name}
    return str(company.api("POST", "/api/v1/customers", json=body)["id"])


def _files(company: Company, customer_id: str) -> list[dict[str, Any]]:
    params = {"record_type": "customer", "record_id": customer_id}
    items: list[dict[str, Any]] = company.api("GET", "/api/v1/files", params=params)["items"]
    return items


def _open_customer(page: Page, base: str, customer_id: str) -> None:
    page.goto(f"{base}/customers/{customer_id}")
    expect(page.locator("#files-list")).to_be_visible()


def _uploads_done(page: Page, count: int) -> None:
    rows = page.locator("#files-progress .files-upload")
    expect(rows).to_have_count(count)
    for index in range(count):
        expect(rows.nth(index)).to_have_attribute("data-state", "done")
        assert rows.nth(index).locator("progress").evaluate("bar => bar.value") == 100
        expect(rows.nth(index).locator(".files-upload-status")).to_contain_text("100%")


def _card(page: Page, name: str) -> Any:
    return page.locator("#files-items .file", has_text=name)


def test_upload_preview_versions_and_isolation(
    page: Page, phone: Page, base: str, companies: tuple[Company, Company], tmp_path: Path
) -> None:
    acme, globex = companies
    acme_customer = _customer(acme, "Acme Files Co")
    globex_customer = _customer(globex, "环球附件客户")

    # Acme: an image through the picker, a PDF dropped on the zone.
    sign_in(page, base, acme, acme.admin_email)
    _open_customer(page, base, acme_customer)
    expect(page.locator("#files-drop")).to_be_visible()
    expect(page.locator(".files-none")).to_be_visible()
    page.set_input_files(
        "#files-picker", files=[{"name": "site-photo.png", "mimeType": "image/png", "buffer": BLUE}]
    )
    page.evaluate(DROP, ["quote.pdf", list(PDF), "application/pdf"])
    _uploads_done(page, 2)
    expect(page.locator("#files-items .file")).to_have_count(2)
    photo, quote = _card(page, "site-photo.png"), _card(page, "quote.pdf")
    expect(photo.locator(".file-size")).to_have_text(human_size(len(BLUE)))
    expect(photo.locator(".file-uploader")).to_have_text("Acme Admin")
    expect(quote.locator(".file-versions-toggle")).to_have_text("Versions (1)")

    # The list shows the files service's small thumbnail; the larger view the image itself.
    thumb = photo.locator("img.file-thumb")
    thumb.scroll_into_view_if_needed()
    page.wait_for_function(
        "img => img.complete && img.naturalWidth === 320 && img.naturalHeight === 200",
        arg=thumb.element_handle(),
    )
    shot(page, "files-desktop-uploaded")
    photo.locator(".files-zoom").click()
    viewer = page.locator("#files-viewer-image")
    expect(page.locator("#files-viewer")).to_be_visible()
    page.wait_for_function(
        "img => img.complete && img.naturalWidth === 1280", arg=viewer.element_handle()
    )
    shot(page, "files-desktop-image-viewer")
    page.locator(".files-viewer-close").click()
    expect(page.locator("#files-viewer")).to_be_hidden()

    # The PDF opens in a new tab as a PDF (shown inline, with its own bytes).
    open_link = quote.locator("a.file-open")
    expect(open_link).to_have_attribute("target", "_blank")
    opened = page.request.get(f"{base}{open_link.get_attribute('href')}")
    assert opened.status == 200
    assert opened.headers["content-type"] == "application/pdf"
    assert opened.headers["content-disposition"].startswith("inline;")
    assert opened.body() == PDF
    with page.context.expect_page() as tab:
        open_link.click()
    pdf_tab = tab.value
    pdf_tab.wait_for_load_state()
    assert "/content?inline=true" in pdf_tab.url
    pdf_tab.close()

    # A new version of the image: the list says 2, the old one downloads with its bytes.
    photo.locator("input.file-version-picker").set_input_files(
        files=[{"name": "site-photo.png", "mimeType": "image/png", "buffer": ORANGE}]
    )
    _uploads_done(page, 3)
    expect(photo.locator(".file-versions-toggle")).to_have_text("Versions (2)")
    photo.locator(".file-versions-toggle").click()
    versions = photo.locator(".file-version")
    expect(versions).to_have_count(2)
    with page.expect_download() as download:
        photo.locator(".file-version[data-version='1'] a.file-version-download").click()
    saved = tmp_path / "v1.png"
    download.value.save_as(saved)
    assert saved.read_bytes() == BLUE
    current = photo.locator(".file-version[data-version='2'] a").get_attribute("href")
    assert page.request.get(f"{base}{current}").body() == ORANGE
    shot(page, "files-desktop-versions")

    # A type the files service refuses: said on the file's row, nothing listed.
    page.set_input_files(
        "#files-picker",
        files=[{"name": "setup.exe", "mimeType": "image/png", "buffer": b"MZ\x90\x00" * 64}],
    )
    refused = page.locator("#files-progress .files-upload").nth(3)
    expect(refused).to_have_attribute("data-state", "failed")
    expect(refused).to_contain_text("This type of file is not accepted.")
    expect(page.locator("#files-items .file")).to_have_count(2)

    acme_files = {f["name"]: f["id"] for f in _files(acme, acme_customer)}
    assert set(acme_files) == {"site-photo.png", "quote.pdf"}

    # Globex on a phone, in Chinese: its own file, none of Acme's; Acme's ids are 404 here.
    sign_in(phone, base, globex, globex.admin_email)
    _open_customer(phone, base, globex_customer)
    expect(phone.locator("#files-drop")).to_contain_text("将文件拖到这里即可上传")
    phone.set_input_files(
        "#files-picker", files=[{"name": "合同.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    _uploads_done(phone, 1)
    expect(phone.locator("#files-items .file")).to_have_count(1)
    expect(phone.locator("#files-items")).to_contain_text("合同.pdf")
    expect(phone.locator("#files-items")).not_to_contain_text("site-photo.png")
    expect(phone.locator("#files-items")).not_to_contain_text("quote.pdf")
    shot(phone, "files-phone-globex")
    for path in (
        f"/customers/{acme_customer}/files/{acme_files['quote.pdf']}/content",
        f"/customers/{globex_customer}/files/{acme_files['quote.pdf']}/content",
        f"/customers/{globex_customer}/files/{acme_files['site-photo.png']}/versions",
        f"/customers/{acme_customer}/files",
    ):
        assert phone.request.get(f"{base}{path}").status == 404, path
    globex_file = _files(globex, globex_customer)[0]["id"]
    assert (
        page.request.get(f"{base}/customers/{acme_customer}/files/{globex_file}/content").status
        == 404
    )
    _open_customer(page, base, acme_customer)
    expect(page.locator("#files-items .file")).to_have_count(2)
    expect(page.locator("#files-items")).not_to_contain_text("合同.pdf")

    # Acme on a phone too: cards stack, previews still shown.
    phone.context.clear_cookies()
    sign_in(phone, base, acme, acme.admin_email)
    _open_customer(phone, base, acme_customer)
    phone.wait_for_function(
        "img => img.complete && img.naturalWidth > 0",
        arg=phone.locator("img.file-thumb").first.element_handle(),
    )
    shot(phone, "files-phone-acme")

    # Delete (after confirming): gone from the list, and from the API's.
    phone.once("dialog", lambda dialog: dialog.accept())
    _card(phone, "quote.pdf").locator(".file-delete").click()
    expect(phone.locator("#files-items .file")).to_have_count(1)
    expect(phone.locator("#files-items")).not_to_contain_text("quote.pdf")
    assert [f["name"] for f in _files(acme, acme_customer)] == ["site-photo.png"]


def test_a_reader_sees_files_but_cannot_upload(
    page: Page, base: str, companies: tuple[Company, Company]
) -> None:
    seen: list[tuple[str, str]] = []  # the previous company's customer and file
    for company in companies:
        customer_id = _customer(company, f"{company.slug} read-only files")
        file = company.api(
            "POST",
            "/api/v1/files",
            json={
                "record_type": "customer", "record_id": customer_id, "name": "brief.pdf",
                "size": len(PDF), "content_type": "application/pdf",
                "sha256": hashlib.sha256(PDF).hexdigest(),
            },
        )  # fmt: skip
        company.api(
            "PUT", f"/api/v1/files/{file['id']}/content", content=PDF,
            headers={"Content-Type": "application/pdf"},
        )  # fmt: skip
        role = company.api(
            "POST",
            "/api/v1/roles",
            json={
                "name": "Reader",
                "permissions": ["customers:view"],
                "scopes": {"customers": "all"},
            },
        )
        add_user(company, "reader", role_ids=[role["id"]])

        page.context.clear_cookies()
        sign_in(page, base, company, f"reader@{company.slug}.example")
        _open_customer(page, base, customer_id)
        expect(page.locator("#files-items .file")).to_have_count(1)
        expect(page.locator("#files-items")).to_contain_text("brief.pdf")
        expect(page.locator("#files-drop")).to_have_count(0)
        expect(page.locator(".file-delete")).to_have_count(0)
        expect(page.locator(".file-version-picker")).to_have_count(0)
        # The console hides the zone; the files service refuses the write all the same.
        status = page.evaluate(
            """async ([url, bytes]) => {
              const token = JSON.parse(document.body.getAttribute("hx-headers"))["X-CSRF-Token"];
              const answer = await fetch(url, {
                method: "POST", body: new Uint8Array(bytes),
                headers: { "X-CSRF-Token": token, "Content-Type": "application/pdf" },
              });
              return [answer.status, (await answer.json()).message];
            }""",
            [f"/files/upload/{customer_id}?name=sneaky.pdf", list(PDF)],
        )
        assert status[0] == 403, status
        download = page.request.get(f"{base}/customers/{customer_id}/files/{file['id']}/content")
        assert download.status == 200
        assert download.body() == PDF
        shot(page, f"files-reader-{company.slug.split('-')[0]}")
        assert [f["name"] for f in _files(company, customer_id)] == ["brief.pdf"]
        for other_customer, other_file in seen:
            for path in (
                f"/customers/{other_customer}/files/{other_file}/content",
                f"/customers/{customer_id}/files/{other_file}/content",
            ):
                assert page.request.get(f"{base}{path}").status == 404, path
        seen.append((customer_id, str(file["id"])))
