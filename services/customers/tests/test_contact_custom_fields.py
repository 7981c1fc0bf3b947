"""Contact custom fields through the contacts API: values validated on write (a bad one is a
422 naming `custom.<key>`, nothing saved), cleared by null, and each tenant's definitions
its own."""

from customers_testkit import Org


def test_contact_custom_values_are_validated_and_tenant_scoped(acme: Org, globex: Org) -> None:
    body = {"entity": "contact", "key": "extension", "label": "Extension", "type": "number"}
    acme.created("/api/v1/custom-fields", body)
    customer = acme.customer("Custom Contacts Co")
    base = f"/api/v1/customers/{customer['id']}/contacts"

    refused = acme.post(base, {"name": "Wang Wei", "custom": {"extension": "eighty"}})
    assert refused.status_code == 422, refused.text
    assert "custom.extension" in refused.text
    assert acme.get(base).json()["items"] == []

    saved = acme.created(base, {"name": "Wang Wei", "custom": {"extension": 8012}})
    assert saved["custom"] == {"extension": 8012}
    cleared = acme.patch(f"/api/v1/contacts/{saved['id']}", {"custom": {"extension": None}})
    assert cleared.status_code == 200, cleared.text
    assert cleared.json()["custom"] == {}

    # A customer field of that name is another field: a contact cannot carry it.
    acme.created("/api/v1/custom-fields", {**body, "entity": "customer", "key": "budget"})
    wrong = acme.post(base, {"name": "Li Na", "custom": {"budget": 1}})
    assert wrong.status_code == 422, wrong.text
    assert "custom.budget" in wrong.text

    # Globex has no such definition: the same value is refused there, and Acme's is hidden.
    other = globex.customer("Globex Contacts Co")
    foreign = globex.post(
        f"/api/v1/customers/{other['id']}/contacts", {"name": "Zhou", "custom": {"extension": 1}}
    )
    assert foreign.status_code == 422, foreign.text
    keys = [f["key"] for f in globex.get("/api/v1/custom-fields").json()["items"]]
    assert "extension" not in keys
    assert globex.get(f"/api/v1/contacts/{saved['id']}").status_code == 404
