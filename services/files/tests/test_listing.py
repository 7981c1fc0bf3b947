"""A record's files are listed a page at a time, oldest first, with a cursor that holds
under new uploads; another tenant's files never appear."""

from files_testkit import Tenant


def _page(tenant: Tenant, customer: str, **params: object) -> dict[str, object]:
    response = tenant.request(
        "GET",
        "/api/v1/files",
        params={"record_type": "customer", "record_id": customer, **params},
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_files_are_listed_a_page_at_a_time(acme: Tenant, globex: Tenant) -> None:
    customer = acme.customer("Paged Ltd")
    uploaded = [acme.uploaded(customer, name=f"doc {i}.pdf") for i in range(5)]
    theirs = globex.customer("Paged Ltd")
    globex.uploaded(theirs, name="globex.pdf")

    first = _page(acme, customer, limit=2)
    assert [f["id"] for f in first["items"]] == uploaded[:2]  # type: ignore[attr-defined]
    assert first["next_cursor"]
    acme.uploaded(customer, name="late.pdf")  # lands after the cursor, shifts nothing
    second = _page(acme, customer, limit=2, cursor=first["next_cursor"])
    assert [f["id"] for f in second["items"]] == uploaded[2:4]  # type: ignore[attr-defined]
    third = _page(acme, customer, limit=2, cursor=second["next_cursor"])
    names = [f["name"] for f in third["items"]]  # type: ignore[attr-defined]
    assert names == ["doc 4.pdf", "late.pdf"]
    assert third["next_cursor"] is None

    assert [f["name"] for f in _page(globex, theirs)["items"]] == ["globex.pdf"]  # type: ignore[attr-defined]
    # Acme's customer id (and cursor) in globex's hands: the record is not theirs.
    foreign = globex.request(
        "GET", "/api/v1/files", params={"record_type": "customer", "record_id": customer}
    )
    assert foreign.status_code == 404


def test_a_bad_cursor_or_limit_names_the_field(acme: Tenant) -> None:
    customer = acme.customer("Cursor Co")
    bad = acme.request(
        "GET",
        "/api/v1/files",
        params={"record_type": "customer", "record_id": customer, "cursor": "nonsense!"},
    )
    assert bad.status_code == 422
    assert "cursor" in bad.text
    too_many = acme.request(
        "GET",
        "/api/v1/files",
        params={"record_type": "customer", "record_id": customer, "limit": 500},
    )
    assert too_many.status_code == 422
    assert "limit" in too_many.text
