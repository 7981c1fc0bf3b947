"""Saved views (filters, sort, columns), private or shared with the owner's department as
identity's events describe it; and the owner's department on new customers."""

from customers_testkit import Org


def test_views_private_or_shared_with_the_department(acme: Org) -> None:
    sales = acme.identity_created("/api/v1/departments", {"name": "Sales"})
    support = acme.identity_created("/api/v1/departments", {"name": "Support"})
    acme.add_user("rita", roles=("sales_rep",), department_id=sales["id"])
    acme.add_user("sue", roles=("sales_rep",), department_id=sales["id"])
    acme.add_user("olga", roles=("sales_rep",), department_id=support["id"])
    assert acme.deliver_identity_events() > 0
    assert acme.deliver_identity_events() == 0  # delivered twice, applied once

    shared = acme.created(
        "/api/v1/customers/views",
        {
            "name": "Hot A",
            "filters": ["level:eq:a", "status:in:intent,deal"],
            "sort": "-updated_at",
            "columns": ["name", "phone", "level"],
            "shared": True,
        },
        as_="rita",
    )
    assert shared["department_id"] == sales["id"]
    acme.created("/api/v1/customers/views", {"name": "Mine only"}, as_="rita")

    def names(who: str) -> set[str]:
        return {v["name"] for v in acme.get("/api/v1/customers/views", as_=who).json()["items"]}

    assert names("rita") == {"Hot A", "Mine only"}
    assert names("sue") == {"Hot A"}
    assert names("olga") == set()
    # Only the owner changes or deletes a view; a broken filter is refused when saved.
    assert (
        acme.patch(f"/api/v1/customers/views/{shared['id']}", {"name": "X"}, as_="sue").status_code
        == 404
    )
    bad = acme.post(
        "/api/v1/customers/views", {"name": "Bad", "filters": ["nope:eq:1"]}, as_="rita"
    )
    assert bad.status_code == 422
    renamed = acme.patch(
        f"/api/v1/customers/views/{shared['id']}",
        {"shared": False},
        as_="rita",
        headers={"If-Match": f'"{shared["version"]}"'},
    )
    assert renamed.status_code == 200
    assert names("sue") == set()
    assert acme.delete(f"/api/v1/customers/views/{shared['id']}", as_="rita").status_code == 204
    assert names("rita") == {"Mine only"}


def test_new_customers_carry_the_owners_department(acme: Org) -> None:
    east = acme.identity_created("/api/v1/departments", {"name": "East"})
    west = acme.identity_created("/api/v1/departments", {"name": "West"})
    acme.add_user("rita", roles=("sales_rep",), department_id=east["id"])
    acme.add_user("walt", roles=("sales_rep",), department_id=west["id"])
    acme.deliver_identity_events()
    customer = acme.customer("Eastern Co", as_="rita")
    assert customer["customer"]["department_id"] == east["id"]
    moved = acme.patch(f"/api/v1/customers/{customer['id']}", {"owner_id": acme.ids["walt"]})
    assert moved.json()["department_id"] == west["id"]
    assert acme.names("/api/v1/customers", filter=f"department_id:eq:{west['id']}") == {
        "Eastern Co"
    }
