"""Who sees which customers: the five data scopes over a three-level department tree (from
identity's real answers), collaborators, masking of phones and emails for a rep who is not
the owner, field rules, and 404 (never 403) outside the scope."""

from typing import Any

import pytest
from customers_testkit import Org

from crmkit.access import AccessClient, access_client, set_access_client

SCOPES = {
    "own": {"mgr's"},
    "subordinates": {"mgr's", "sue's", "lead's", "rita's"},
    "department": {"mgr's", "sue's"},
    "department_tree": {"mgr's", "sue's", "lead's", "rita's"},
    "all": {"ceo's", "mgr's", "sue's", "lead's", "rita's", "olga's"},
}


class Tree:
    """Head office (ceo) > Sales (mgr, sue) > East (lead, rita). Olga sits in head office."""

    def __init__(self, org: Org) -> None:
        self.org = org
        self.role = org.role("scoped", scope="own")
        rep = org.role("rep", scope="own")
        head = org.identity_created("/api/v1/departments", {"name": "Head office"})
        sales = org.identity_created(
            "/api/v1/departments", {"name": "Sales", "parent_id": head["id"]}
        )
        east = org.identity_created(
            "/api/v1/departments", {"name": "East", "parent_id": sales["id"]}
        )
        for name, dept, role, heads in (
            ("ceo", head, rep, head),
            ("mgr", sales, self.role, sales),
            ("sue", sales, rep, None),
            ("lead", east, rep, east),
            ("rita", east, rep, None),
            ("olga", head, rep, None),
        ):
            user = org.add_user(name, role_ids=(role,), department_id=dept["id"])
            if heads is not None:
                org.identity_patch(f"/api/v1/departments/{heads['id']}", {"head_user_id": user})
            org.customer(f"{name}'s", as_=name)

    def set_scope(self, scope: str) -> None:
        self.org.identity_patch(f"/api/v1/roles/{self.role}", {"scopes": {"customers": scope}})


@pytest.mark.parametrize("scope", list(SCOPES))
def test_each_data_scope_on_a_three_level_tree(acme: Org, scope: str) -> None:
    tree = Tree(acme)
    tree.set_scope(scope)
    assert acme.names("/api/v1/customers", as_="mgr") == SCOPES[scope]
    listed = acme.get("/api/v1/customers", as_="mgr", params={"limit": 200}).json()
    assert listed["total"] == len(SCOPES[scope])
    ids = {
        c["name"]: c["id"]
        for c in acme.get("/api/v1/customers", params={"limit": 200}).json()["items"]
    }
    for name, customer_id in ids.items():
        expected = 200 if name in SCOPES[scope] else 404
        assert acme.get(f"/api/v1/customers/{customer_id}", as_="mgr").status_code == expected
        if expected == 404:  # nor changed, deleted, or its history read
            path = f"/api/v1/customers/{customer_id}"
            assert acme.patch(path, {"notes": "x"}, as_="mgr").status_code == 404
            assert acme.delete(path, as_="mgr").status_code == 404
            assert acme.get(f"{path}/history", as_="mgr").status_code == 404


def test_collaborators_see_and_masking_for_a_rep_who_is_not_the_owner(acme: Org) -> None:
    acme.add_user("rita", roles=("sales_rep",))
    acme.add_user("sam", roles=("sales_rep",))
    acme.add_user("boss", role_ids=(acme.role("boss", scope="all", extra=("view_phone",)),))
    mine = acme.customer("Rita's Co", as_="rita", phone="13812345678", email="zhang@example.com")
    path = f"/api/v1/customers/{mine['id']}"
    own = acme.get(path, as_="rita").json()
    assert own["phone"] == "13812345678"
    assert own["email"] == "zhang@example.com"
    assert acme.get(path, as_="sam").status_code == 404
    assert acme.patch(path, {"collaborator_ids": [acme.ids["sam"]]}, as_="rita").status_code == 200
    seen = acme.get(path, as_="sam")
    assert seen.status_code == 200
    body = seen.json()
    assert body["phone"] == "138****5678"
    assert body["phones"] == ["138****5678"]
    assert body["email"] == "z***@example.com"
    assert set(body["masked_fields"]) == {"phone", "email"}
    assert "13812345678" not in seen.text
    assert "zhang@" not in seen.text
    listed = acme.get("/api/v1/customers", as_="sam").json()["items"]
    assert [c["phone"] for c in listed] == ["138****5678"]
    history = acme.get(f"{path}/history", as_="sam").text
    assert "13812345678" not in history
    assert "zhang@" not in history
    # Nor can a phone be found by filtering on it without customers:view_phone.
    found = acme.get("/api/v1/customers", as_="sam", params={"filter": "phone:eq:13812345678"})
    assert found.json()["items"] == []
    # A manager holding customers:view_phone sees the numbers of every record in scope.
    assert acme.get(path, as_="boss").json()["phone"] == "13812345678"
    # A masked field cannot be written either.
    refused = acme.patch(path, {"phone": "13900000000"}, as_="sam")
    assert refused.status_code == 403
    assert refused.json()["errors"][0]["field"] == "phone"


def test_field_rules_hide_and_mask(acme: Org) -> None:
    hider = acme.role("hider", scope="all", address="masked", tags="hidden", phone="hidden")
    acme.add_user("hugo", role_ids=(hider,))
    acme.created("/api/v1/categories/tag", {"key": "key-account", "label": "Key"})
    customer = acme.customer(
        "Hidden Co", phone="13812345678", tags=["key-account"], city="Shanghai", street="1 Road"
    )
    body: dict[str, Any] = acme.get(f"/api/v1/customers/{customer['id']}", as_="hugo").json()
    assert body["phone"] is None
    assert body["phones"] == []
    assert body["tags"] == []
    assert body["street"] == "1***"
    assert body["city"] == "Shanghai"
    assert set(body["hidden_fields"]) == {"phone", "tags"}
    assert "address" in body["masked_fields"]
    refused = acme.get("/api/v1/customers", as_="hugo", params={"filter": "tags:eq:key-account"})
    assert refused.status_code == 422


def test_function_permissions_come_from_the_token(acme: Org) -> None:
    viewer = acme.identity_created(
        "/api/v1/roles",
        {"name": "viewer", "permissions": ["customers:view"], "scopes": {"customers": "all"}},
    )
    acme.add_user("vera", role_ids=(viewer["id"],))
    customer = acme.customer("Viewed Co")
    assert acme.get(f"/api/v1/customers/{customer['id']}", as_="vera").status_code == 200
    assert (
        acme.post("/api/v1/customers", {"kind": "company", "name": "N"}, as_="vera").status_code
        == 403
    )
    assert (
        acme.patch(f"/api/v1/customers/{customer['id']}", {"notes": "x"}, as_="vera").status_code
        == 403
    )
    assert acme.delete(f"/api/v1/customers/{customer['id']}", as_="vera").status_code == 403


def test_a_role_change_reaches_the_api_before_the_cache_expires(world: Any, acme: Org) -> None:
    """The API keeps identity's answers for a minute here; identity's role.changed event,
    consumed by customers, still makes the next request see the new scope."""
    role = acme.role("narrow", scope="own")
    acme.add_user("nina", role_ids=(role,))
    acme.customer("Admin's own")
    acme.deliver_identity_events()
    previous = access_client()
    set_access_client(AccessClient(previous._target, cache_seconds=60))  # noqa: SLF001
    try:
        assert acme.names("/api/v1/customers", as_="nina") == set()
        acme.identity_patch(f"/api/v1/roles/{role}", {"scopes": {"customers": "all"}})
        assert acme.names("/api/v1/customers", as_="nina") == set()  # still cached
        assert acme.deliver_identity_events() >= 1
        assert acme.names("/api/v1/customers", as_="nina") == {"Admin's own"}
    finally:
        set_access_client(previous)
