"""The user directory people pickers read: every staff member of a tenant sees the tenant's
active colleagues (name and department, nothing more), never another tenant's."""

from identity_testkit import Org


def names(org: Org, as_: str, **params: object) -> list[str]:
    response = org.get("/api/v1/users/directory", as_=as_, params=params)
    assert response.status_code == 200, response.text
    return [entry["name"] for entry in response.json()["items"]]


def test_a_plain_rep_reads_the_whole_tenant_but_not_the_other(acme: Org, globex: Org) -> None:
    sales = acme.created("/api/v1/departments", {"name": "Sales East"})
    acme.add_user("rita", roles=("sales_rep",), department_id=sales["id"])
    acme.add_user("martin", roles=("sales_manager",))
    gone = acme.add_user("dora", roles=("sales_rep",))
    assert acme.post(f"/api/v1/users/{gone['id']}/disable").status_code == 200
    globex.add_user("gustav", roles=("sales_rep",))

    # The scoped list shows a rep only themselves; the directory shows every active colleague.
    listed = acme.get("/api/v1/users", as_="rita").json()["items"]
    assert [u["name"] for u in listed] == ["Rita"]
    response = acme.get("/api/v1/users/directory", as_="rita")
    assert response.status_code == 200, response.text
    entries = {e["name"]: e for e in response.json()["items"]}
    assert set(entries) == {"Acme Admin", "Martin", "Rita"}  # Dora is disabled
    assert entries["Rita"]["department_name"] == "Sales East"
    assert entries["Martin"]["department_name"] is None
    assert set(entries["Rita"]) == {"id", "name", "department_name"}  # no e-mail or roles

    assert names(globex, "gustav") == ["Globex Admin", "Gustav"]


def test_search_by_part_of_the_name_and_pages_in_name_order(acme: Org) -> None:
    for name in ("anna", "hannah", "joanne", "bob", "ann_x"):
        acme.add_user(name)
    assert names(acme, "bob", q="ANN") == ["Ann_X", "Anna", "Hannah", "Joanne"]
    assert names(acme, "bob", q="n_x") == ["Ann_X"]  # `_` is a letter here, not a wildcard
    assert names(acme, "bob", q="%") == []

    first = acme.get("/api/v1/users/directory", as_="bob", params={"q": "ann", "limit": 3})
    assert [e["name"] for e in first.json()["items"]] == ["Ann_X", "Anna", "Hannah"]
    cursor = first.json()["next_cursor"]
    assert cursor
    rest = names(acme, "bob", q="ann", limit=3, cursor=cursor)
    assert rest == ["Joanne"]


def test_bad_paging_is_a_422_naming_the_field(acme: Org) -> None:
    for params, field in (({"limit": 0}, "limit"), ({"cursor": "nonsense!"}, "cursor")):
        response = acme.get("/api/v1/users/directory", params=params)
        assert response.status_code == 422, response.text
        assert field in response.text


def test_the_directory_needs_a_signed_in_user(acme: Org) -> None:
    assert acme.client.get("/api/v1/users/directory").status_code == 401
