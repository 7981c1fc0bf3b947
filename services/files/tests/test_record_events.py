"""Files follow their record: a deleted customer's files go to the recycle bin and come back
with it; a merged customer's files move to the survivor."""

from files_testkit import Tenant


def _listed(tenant: Tenant, customer: str) -> list[str]:
    response = tenant.request(
        "GET", "/api/v1/files", params={"record_type": "customer", "record_id": customer}
    )
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


def test_a_merged_customers_files_follow_the_survivor(acme: Tenant) -> None:
    survivor, absorbed = acme.customer("Wanda Trading"), acme.customer("Hilton Foods")
    old = acme.uploaded(survivor)
    moved = acme.uploaded(absorbed)
    response = acme.org.post(f"/api/v1/customers/{survivor}/merge", {"from_id": absorbed})
    assert response.status_code == 200, response.text

    acme.deliver_customer_events("customers.customer.merged")
    assert sorted(_listed(acme, survivor)) == sorted([old, moved])
    meta = acme.request("GET", f"/api/v1/files/{moved}").json()
    assert meta["record_id"] == survivor
    # Delivered again (a redelivery), nothing changes.
    acme.deliver_customer_events("customers.customer.merged")
    assert sorted(_listed(acme, survivor)) == sorted([old, moved])


def test_a_deleted_customers_files_leave_and_come_back_with_it(acme: Tenant) -> None:
    customer = acme.customer("Gone Soon")
    file_id = acme.uploaded(customer)
    user_deleted = acme.uploaded(customer)
    assert acme.request("DELETE", f"/api/v1/files/{user_deleted}").status_code == 204
    assert acme.org.delete(f"/api/v1/customers/{customer}").status_code == 204

    acme.deliver_customer_events("customers.customer.deleted")
    assert acme.request("GET", f"/api/v1/files/{file_id}").status_code == 404

    assert acme.org.post(f"/api/v1/customers/{customer}/restore").status_code == 200
    acme.deliver_customer_events("customers.customer.restored")
    assert _listed(acme, customer) == [file_id]
    # The file its user deleted stays in the bin.
    assert acme.request("GET", f"/api/v1/files/{user_deleted}").status_code == 404
