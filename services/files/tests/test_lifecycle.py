"""Versions, rename, move, delete to the recycle bin, restore, purge with the bytes, and a
tenant's bytes removed as a whole."""

import uuid
from datetime import timedelta

import httpx
from files_testkit import PDF, PNG, Tenant, sha

from crm_files.db import utcnow
from crm_files.jobs import purge_all_tenants
from crm_files.tenants import list_tenant_objects, remove_tenant_objects


def _new_version(tenant: Tenant, file_id: str, data: bytes, **fields: object) -> dict[str, object]:
    response = tenant.request(
        "POST",
        f"/api/v1/files/{file_id}/versions",
        json={"size": len(data), "content_type": "application/pdf", "sha256": sha(data), **fields},
    )
    assert response.status_code == 201, response.text
    ticket = response.json()
    assert httpx.put(ticket["upload_url"], content=data).status_code == 200
    done = tenant.request("POST", f"/api/v1/files/{file_id}/complete")
    assert done.status_code == 200, done.text
    return dict(ticket)


def test_a_new_version_keeps_the_old_ones(acme: Tenant) -> None:
    customer = acme.customer("Versioned Co")
    file_id = acme.uploaded(customer, PDF)
    second = PDF + b"% revised\n"
    ticket = _new_version(acme, file_id, second, name="contract v2.pdf")
    assert ticket["version"] == 2

    meta = acme.request("GET", f"/api/v1/files/{file_id}").json()
    assert (meta["version"], meta["name"], meta["sha256"]) == (2, "contract v2.pdf", sha(second))
    assert [v["version"] for v in meta["versions"]] == [1, 2]
    assert httpx.get(meta["download_url"]).content == second
    old = acme.request("GET", f"/api/v1/files/{file_id}/versions/1").json()
    assert old["name"] == "contract.pdf"
    assert httpx.get(old["download_url"]).content == PDF
    assert sorted(acme.keys()) == [f"t/{acme.tenant_id}/{file_id}/{n}" for n in (1, 2)]
    assert acme.request("GET", f"/api/v1/files/{file_id}/versions/3").status_code == 404


def test_rename_and_move_to_another_record(acme: Tenant) -> None:
    acme.rep("rita")
    first, second = acme.customer("From Co"), acme.customer("To Co")
    file_id = acme.uploaded(first)
    renamed = acme.request("PATCH", f"/api/v1/files/{file_id}", json={"name": "signed.pdf"})
    assert renamed.status_code == 200
    assert renamed.json()["name"] == "signed.pdf"

    moved = acme.request(
        "PATCH", f"/api/v1/files/{file_id}", json={"record_type": "customer", "record_id": second}
    )
    assert moved.status_code == 200, moved.text
    for customer, expected in [(first, []), (second, [file_id])]:
        listed = acme.request(
            "GET", "/api/v1/files", params={"record_type": "customer", "record_id": customer}
        ).json()
        assert [f["id"] for f in listed["items"]] == expected

    # Moving onto a record the caller cannot see is refused like an unknown record.
    ritas = acme.customer("Rita's", as_="rita")
    hers = acme.uploaded(ritas, as_="rita")
    response = acme.request(
        "PATCH",
        f"/api/v1/files/{hers}",
        as_="rita",
        json={"record_type": "customer", "record_id": second},
    )
    assert response.status_code == 404
    assert acme.request("GET", f"/api/v1/files/{hers}", as_="rita").json()["record_id"] == ritas


def test_delete_restore_then_purge_removes_the_bytes(acme: Tenant) -> None:
    customer = acme.customer("Bin Co")
    kept = acme.uploaded(customer, PNG, name="keep.png", content_type="image/png")
    file_id = acme.uploaded(customer)
    assert acme.request("DELETE", f"/api/v1/files/{file_id}").status_code == 204
    assert acme.request("GET", f"/api/v1/files/{file_id}").status_code == 404
    restored = acme.request("POST", f"/api/v1/files/{file_id}/restore")
    assert restored.status_code == 200
    assert acme.request("GET", f"/api/v1/files/{file_id}").status_code == 200

    assert acme.request("DELETE", f"/api/v1/files/{file_id}").status_code == 204
    # Within the retention the purge leaves it alone.
    purge_all_tenants(acme.world.files_db)
    assert f"t/{acme.tenant_id}/{file_id}/1" in acme.keys()

    with_time_passed = utcnow() + timedelta(days=31)
    from crm_files.files import service
    from crmkit.tenancy import tenant_context

    with tenant_context(uuid.UUID(acme.tenant_id)), acme.world.files_db.tenant_transaction() as s:
        assert service.purge(s, now=with_time_passed) == 1
    assert acme.keys() == [f"t/{acme.tenant_id}/{kept}/1"]
    assert acme.request("POST", f"/api/v1/files/{file_id}/restore").status_code == 404


def test_a_tenants_bytes_are_listed_and_removed_as_a_whole(acme: Tenant, globex: Tenant) -> None:
    acme.uploaded(acme.customer("A"))
    acme.announce(acme.customer("B"), PDF)
    theirs = globex.uploaded(globex.customer("G"))
    tenant = uuid.UUID(acme.tenant_id)
    assert len(list_tenant_objects(tenant)) == 1
    assert remove_tenant_objects(tenant) == 1
    assert list_tenant_objects(tenant) == []
    assert globex.keys() == [f"t/{globex.tenant_id}/{theirs}/1"]
