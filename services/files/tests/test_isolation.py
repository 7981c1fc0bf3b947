"""Two tenants: neither reaches the other's files by any route, whatever id it holds."""

import httpx
from files_testkit import PDF, Tenant

from crm_files.definition import routers

VERSION_BODY = {"size": 1, "content_type": "application/pdf", "sha256": "0" * 64}


def _routes_with_an_id(file_id: str) -> list[tuple[str, str, object]]:
    return [
        ("GET", f"/api/v1/files/{file_id}", None),
        ("GET", f"/api/v1/files/{file_id}/versions/1", None),
        ("GET", f"/api/v1/files/{file_id}/thumbnail", None),
        ("POST", f"/api/v1/files/{file_id}/complete", None),
        ("PUT", f"/api/v1/files/{file_id}/content", None),
        ("POST", f"/api/v1/files/{file_id}/versions", VERSION_BODY),
        ("PATCH", f"/api/v1/files/{file_id}", {"name": "stolen.pdf"}),
        ("DELETE", f"/api/v1/files/{file_id}", None),
        ("POST", f"/api/v1/files/{file_id}/restore", None),
    ]


def test_every_route_is_walked_here() -> None:
    """A route added later without joining the walk below fails this test."""
    declared = {
        (method, route.path)  # type: ignore[attr-defined]
        for router in routers()
        for route in router.routes
        for method in route.methods  # type: ignore[attr-defined]
    }
    walked = {
        (method, path.replace("FID", "{file_id}").replace("/versions/1", "/versions/{version}"))
        for method, path, _ in _routes_with_an_id("FID")
    }
    walked |= {("GET", "/api/v1/files"), ("POST", "/api/v1/files")}
    assert declared == walked


def test_neither_tenant_reaches_the_others_files(acme: Tenant, globex: Tenant) -> None:
    acme_customer = acme.customer("Acme Client")
    globex_customer = globex.customer("Globex Client")
    acme_file = acme.uploaded(acme_customer)
    globex_file = globex.uploaded(globex_customer)
    pending = globex.announce(globex_customer, PDF).json()["id"]

    for me, other_customer, other_files in [
        (acme, globex_customer, [globex_file, pending]),
        (globex, acme_customer, [acme_file]),
    ]:
        for file_id in other_files:
            for method, path, body in _routes_with_an_id(file_id):
                response = me.request(method, path, json=body)
                assert response.status_code == 404, (method, path, response.text)
        listed = me.request(
            "GET", "/api/v1/files", params={"record_type": "customer", "record_id": other_customer}
        )
        assert listed.status_code == 404
        assert me.announce(other_customer, PDF).status_code == 404

    # Untouched by all that: each still has its own file, its bytes and its name.
    for tenant, file_id in [(acme, acme_file), (globex, globex_file)]:
        meta = tenant.request("GET", f"/api/v1/files/{file_id}").json()
        assert meta["name"] == "contract.pdf"
        assert meta["deleted_at"] is None
        assert httpx.get(meta["download_url"]).content == PDF
    assert all(k.startswith(f"t/{acme.tenant_id}/") for k in acme.keys())
    assert not set(acme.keys()) & set(globex.keys())
