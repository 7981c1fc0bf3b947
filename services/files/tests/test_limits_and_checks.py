"""Size limit and quota (413 naming the limit), types by the bytes not the name, SHA-256
checked on confirmation; a refused upload leaves nothing behind."""

from collections.abc import Callable

import httpx
from files_testkit import ELF, PDF, PNG, Tenant, sha

from crm_files.settings import FilesSettings


def _listed(tenant: Tenant, customer: str) -> list[str]:
    response = tenant.request(
        "GET", "/api/v1/files", params={"record_type": "customer", "record_id": customer}
    )
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


def test_a_file_over_the_size_limit_is_refused_with_the_limit(
    acme: Tenant, limits: Callable[..., FilesSettings]
) -> None:
    limits(max_file_bytes=100)
    response = acme.announce(acme.customer("Big Files Inc"), b"x" * 101, content_type="text/plain")
    assert response.status_code == 413
    assert response.json()["code"] == "file_too_large"
    assert response.json()["limit"] == 100


def test_the_tenant_quota_counts_every_version_and_reservation(
    acme: Tenant, globex: Tenant, limits: Callable[..., FilesSettings]
) -> None:
    limits(tenant_quota_bytes=len(PDF) * 2 + 10)
    customer = acme.customer("Quota Co")
    first = acme.uploaded(customer)
    # A second upload announced but not confirmed still holds its bytes.
    assert acme.announce(customer, PDF).status_code == 201
    response = acme.announce(customer, PDF)
    assert response.status_code == 413
    assert response.json()["code"] == "quota_exceeded"
    assert response.json()["limit"] == len(PDF) * 2 + 10
    version = acme.request(
        "POST",
        f"/api/v1/files/{first}/versions",
        json={"size": len(PDF), "content_type": "application/pdf", "sha256": sha(PDF)},
    )
    assert version.status_code == 413
    # Another tenant's quota is its own.
    assert globex.announce(globex.customer("Free Co"), PDF).status_code == 201


def test_a_pdf_name_with_png_bytes_is_recorded_as_png(acme: Tenant) -> None:
    file_id = acme.uploaded(acme.customer("Sniff Co"), PNG, name="scan.pdf")
    meta = acme.request("GET", f"/api/v1/files/{file_id}").json()
    assert meta["content_type"] == "image/png"
    assert meta["name"] == "scan.pdf"
    assert httpx.get(meta["download_url"]).headers["content-type"] == "image/png"


def test_an_executable_is_refused_whatever_it_claims(acme: Tenant) -> None:
    customer = acme.customer("Malware Magnet")
    file_id, done = acme.upload(customer, ELF, name="invoice.pdf")
    assert done.status_code == 422
    assert done.json()["code"] == "file_type_not_allowed"
    assert done.json()["content_type"] == "application/x-executable"
    assert acme.keys() == []
    assert _listed(acme, customer) == []
    meta = acme.request("GET", f"/api/v1/files/{file_id}").json()
    assert meta["status"] == "pending"
    assert meta["download_url"] is None


def test_a_declared_type_outside_the_list_is_refused_at_once(acme: Tenant) -> None:
    response = acme.announce(
        acme.customer("Exe Co"), ELF, name="setup.exe", content_type="application/x-msdownload"
    )
    assert response.status_code == 422
    assert response.json()["code"] == "file_type_not_allowed"


def test_a_checksum_mismatch_is_422_and_nothing_is_half_written(acme: Tenant) -> None:
    customer = acme.customer("Tamper Ltd")
    tampered = PDF.replace(b"obj", b"OBJ")
    file_id, done = acme.upload(customer, PDF, put=tampered)
    assert done.status_code == 422
    assert done.json()["code"] == "checksum_mismatch"
    assert done.json()["actual"] == sha(tampered)
    assert acme.keys() == []
    assert _listed(acme, customer) == []
    meta = acme.request("GET", f"/api/v1/files/{file_id}").json()
    assert (meta["status"], meta["version"], meta["sha256"]) == ("pending", 0, None)


def test_a_size_mismatch_is_422(acme: Tenant) -> None:
    customer = acme.customer("Short Ltd")
    _, done = acme.upload(customer, PDF, put=PDF[:-1])
    assert done.status_code == 422
    assert done.json()["code"] == "size_mismatch"
    assert acme.keys() == []


def test_too_much_through_the_api_is_413(
    acme: Tenant, limits: Callable[..., FilesSettings]
) -> None:
    limits(api_upload_max_bytes=10)
    ticket = acme.announce(acme.customer("API Co"), PDF).json()
    response = acme.request("PUT", f"/api/v1/files/{ticket['id']}/content", content=PDF)
    assert response.status_code == 413
    assert response.json()["limit"] == 10
    assert acme.keys() == []
