"""The user directory people pickers read: every staff member of a tenant sees the tenant's
active colleagues (name and department, nothing more), never another tenant's."""

import uuid

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
    assert set(entries["Rita"]) == {"id", "name", "department_name", "active"}  # no e-mail, roles

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


def named(org: Org, as_: str, ids: list[str]) -> dict[str, dict[str, object]]:
    response = org.get("/api/v1/users/directory", as_=as_, params={"ids": ",".join(ids)})
    assert response.status_code == 200, response.text
    assert response.json()["next_cursor"] is None
    return {entry["id"]: entry for entry in response.json()["items"]}


def test_ids_name_any_user_of_the_tenant_for_a_rep_disabled_ones_too(
    acme: Org, globex: Org
) -> None:
    sales = acme.created("/api/v1/departments", {"name": "Sales West"})
    rita = acme.add_user("rita", roles=("sales_rep",))
    martin = acme.add_user("martin", roles=("sales_rep",), department_id=sales["id"])
    dora = acme.add_user("dora", roles=("sales_rep",))
    assert acme.post(f"/api/v1/users/{dora['id']}/disable").status_code == 200
    gustav = globex.add_user("gustav", roles=("sales_rep",))

    # Rita's own scope shows her only herself, yet the names of the records' owners resolve.
    assert [u["name"] for u in acme.get("/api/v1/users", as_="rita").json()["items"]] == ["Rita"]
    found = named(acme, "rita", [martin["id"], dora["id"], gustav["id"], rita["id"]])
    assert set(found) == {martin["id"], dora["id"], rita["id"]}  # Globex's Gustav is absent
    assert found[dora["id"]]["name"] == "Dora"
    assert found[dora["id"]]["active"] is False  # a former owner keeps their name
    assert found[martin["id"]] == {
        "id": martin["id"],
        "name": "Martin",
        "department_name": "Sales West",
        "active": True,
    }
    # ...while the picker's listing still leaves the disabled user out.
    assert "Dora" not in names(acme, "rita")

    # And the other way round: Globex resolves its own, never Acme's.
    assert set(named(globex, "gustav", [gustav["id"], martin["id"], dora["id"]])) == {gustav["id"]}
    assert named(acme, "rita", []) == {}


def test_ids_beyond_200_or_malformed_are_a_422_naming_ids(acme: Org) -> None:
    many = [str(uuid.uuid4()) for _ in range(201)]
    for ids in (",".join(many), "not-a-uuid", f"{uuid.uuid4()},42"):
        response = acme.get("/api/v1/users/directory", params={"ids": ids})
        assert response.status_code == 422, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
        assert [e["field"] for e in response.json()["errors"]] == ["ids"]
    # Exactly 200 (repeats counted once) is fine.
    unknown = many[:200] + many[:5]
    response = acme.get("/api/v1/users/directory", params={"ids": ",".join(unknown)})
    assert response.status_code == 200, response.text
    assert response.json()["items"] == []
