"""Upload through a presigned PUT straight to MinIO, confirm, download through a presigned GET;
the small-file path through the API; what is stored where."""

import uuid
from datetime import timedelta

import httpx
from files_testkit import PDF, PNG, Tenant, sha

from crm_files.db import utcnow
from crm_files.files import service
from crmkit.tenancy import tenant_context


def test_presigned_upload_then_download(acme: Tenant) -> None:
    customer = acme.customer("Wanda Trading")
    response = acme.announce(customer, PDF, name="合同 v1.pdf")
    assert response.status_code == 201, response.text
    ticket = response.json()
    assert set(ticket) >= {"id", "upload_url", "expires_at"}
    assert httpx.put(ticket["upload_url"], content=PDF).status_code == 200

    done = acme.request("POST", f"/api/v1/files/{ticket['id']}/complete")
    assert done.status_code == 200, done.text
    assert done.json()["sha256"] == sha(PDF)
    assert done.json()["content_type"] == "application/pdf"

    meta = acme.request("GET", f"/api/v1/files/{ticket['id']}").json()
    assert meta["name"] == "合同 v1.pdf"
    assert meta["size"] == len(PDF)
    downloaded = httpx.get(meta["download_url"])
    assert downloaded.status_code == 200
    assert downloaded.content == PDF

    # The upload URL is still alive, but what it writes now never reaches confirmed bytes.
    assert httpx.put(ticket["upload_url"], content=b"swapped").status_code == 200
    assert httpx.get(meta["download_url"]).content == PDF
    with_swap = {
        f"t/{acme.tenant_id}/{ticket['id']}/1",
        f"t/{acme.tenant_id}/{ticket['id']}/1.upload",
    }
    assert set(acme.keys()) == with_swap
    # Once the URL is dead, the purge clears what it wrote.
    with tenant_context(uuid.UUID(acme.tenant_id)), acme.world.files_db.tenant_transaction() as s:
        service.purge(s, now=utcnow() + timedelta(hours=1))
    # The key is the tenant, the file and the version: nothing the user typed.
    assert acme.keys() == [f"t/{acme.tenant_id}/{ticket['id']}/1"]

    listed = acme.request(
        "GET", "/api/v1/files", params={"record_type": "customer", "record_id": customer}
    ).json()
    assert [f["id"] for f in listed["items"]] == [ticket["id"]]


def test_small_file_through_the_api(acme: Tenant) -> None:
    customer = acme.customer("Small Ltd")
    ticket = acme.announce(customer, PNG, name="logo.png", content_type="image/png").json()
    done = acme.request("PUT", f"/api/v1/files/{ticket['id']}/content", content=PNG)
    assert done.status_code == 200, done.text
    assert done.json()["content_type"] == "image/png"
    url = acme.request("GET", f"/api/v1/files/{ticket['id']}").json()["download_url"]
    assert httpx.get(url).content == PNG


def test_complete_before_upload_is_a_conflict(acme: Tenant) -> None:
    customer = acme.customer("Early Bird")
    ticket = acme.announce(customer, PDF).json()
    response = acme.request("POST", f"/api/v1/files/{ticket['id']}/complete")
    assert response.status_code == 409
    assert response.json()["code"] == "upload_missing"
