"""The owner decides: a file is reachable only by someone who may see its record, whoever
holds its id, and a URL handed out earlier dies with its short lifetime."""

import time
import uuid
from collections.abc import Callable

import httpx
from files_testkit import PDF, Tenant

from crm_files.settings import FilesSettings


def test_a_user_who_cannot_see_the_record_gets_404_on_every_route(acme: Tenant) -> None:
    acme.rep("rita")  # sees only her own customers
    customer = acme.customer("Admin's Secret Client")
    file_id = acme.uploaded(customer)

    assert acme.request("GET", f"/api/v1/files/{file_id}").status_code == 200
    for method, path, body in [
        ("GET", f"/api/v1/files/{file_id}", None),
        ("GET", f"/api/v1/files/{file_id}/versions/1", None),
        ("POST", f"/api/v1/files/{file_id}/complete", None),
        ("PATCH", f"/api/v1/files/{file_id}", {"name": "mine.pdf"}),
        ("DELETE", f"/api/v1/files/{file_id}", None),
        ("POST", f"/api/v1/files/{file_id}/restore", None),
        ("PUT", f"/api/v1/files/{file_id}/content", None),
        (
            "POST",
            f"/api/v1/files/{file_id}/versions",
            {"size": 1, "content_type": "application/pdf", "sha256": "0" * 64},
        ),
    ]:
        response = acme.request(method, path, as_="rita", json=body)
        assert response.status_code == 404, (method, path, response.text)
    listed = acme.request(
        "GET",
        "/api/v1/files",
        as_="rita",
        params={"record_type": "customer", "record_id": customer},
    )
    assert listed.status_code == 404
    assert acme.announce(customer, PDF, as_="rita").status_code == 404

    # Her own customer works for her.
    own = acme.customer("Rita's Client", as_="rita")
    mine = acme.uploaded(own, as_="rita")
    assert acme.request("GET", f"/api/v1/files/{mine}", as_="rita").status_code == 200


def test_view_without_edit_may_read_but_not_change(acme: Tenant) -> None:
    role = acme.org.identity_created(
        "/api/v1/roles",
        {
            "name": f"reader-{uuid.uuid4().hex[:6]}",
            "permissions": ["customers:view"],
            "scopes": {"customers": "all"},
        },
    )
    acme.org.add_user("vera", role_ids=(str(role["id"]),))
    acme.org.deliver_identity_events()
    customer = acme.customer("Read Only Co")
    file_id = acme.uploaded(customer)
    assert acme.request("GET", f"/api/v1/files/{file_id}", as_="vera").status_code == 200
    assert acme.request("DELETE", f"/api/v1/files/{file_id}", as_="vera").status_code == 403
    assert acme.announce(customer, PDF, as_="vera").status_code == 403


def test_unknown_record_type_is_refused(acme: Tenant) -> None:
    response = acme.announce(str(uuid.uuid4()), PDF, record_type="spaceship")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "record_type"


def test_an_old_download_url_stops_working_after_expiry(
    acme: Tenant, limits: Callable[..., FilesSettings]
) -> None:
    customer = acme.customer("Leaky Ltd")
    file_id = acme.uploaded(customer)
    limits(url_expiry_seconds=2)
    url = acme.request("GET", f"/api/v1/files/{file_id}").json()["download_url"]
    assert httpx.get(url).status_code == 200
    time.sleep(3)
    # MinIO itself refuses the expired signature.
    assert httpx.get(url).status_code == 403


def test_an_expired_upload_url_is_refused_by_minio(
    acme: Tenant, limits: Callable[..., FilesSettings]
) -> None:
    limits(url_expiry_seconds=2)
    ticket = acme.announce(acme.customer("Slow Uploader"), PDF).json()
    time.sleep(3)
    assert httpx.put(ticket["upload_url"], content=PDF).status_code == 403
    response = acme.request("POST", f"/api/v1/files/{ticket['id']}/complete")
    assert response.status_code == 409
    assert response.json()["code"] == "upload_expired"
    assert acme.keys() == []


def test_files_on_a_follow_up_take_its_customers_access(acme: Tenant) -> None:
    acme.rep("rita")
    customer = acme.customer("Followed Co")
    follow_up = acme.org.created(
        f"/api/v1/customers/{customer}/follow-ups", {"kind": "call", "content": "Called them"}
    )
    file_id = acme.uploaded(str(follow_up["id"]), record_type="follow_up")
    listed = acme.request(
        "GET", "/api/v1/files", params={"record_type": "follow_up", "record_id": follow_up["id"]}
    )
    assert [f["id"] for f in listed.json()["items"]] == [file_id]
    assert acme.request("GET", f"/api/v1/files/{file_id}", as_="rita").status_code == 404
    # A customer's id is not a follow-up's.
    assert acme.announce(customer, PDF, record_type="follow_up").status_code == 404
