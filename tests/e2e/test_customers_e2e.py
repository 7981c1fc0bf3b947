"""Customers through the gateway: each company's records stay its own, and a rep who may not
see phones gets them masked."""

import httpx
from e2e_testkit import PASSWORD, Company


def test_customers_stay_within_their_company(
    http: httpx.Client, companies: tuple[Company, Company]
) -> None:
    acme, globex = companies
    created = http.post(
        "/api/v1/customers",
        json={"kind": "company", "name": "北京华强科技有限公司", "phone": "13812345678"},
        headers=acme.auth(),
    )
    assert created.status_code == 201, created.text
    customer_id = created.json()["id"]
    same_name = http.post(
        "/api/v1/customers",
        json={"kind": "company", "name": "北京华强科技有限公司", "phone": "13812345678"},
        headers=globex.auth(),
    )
    assert same_name.status_code == 201, "another company's identical record is no duplicate"

    path = f"/api/v1/customers/{customer_id}"
    assert http.get(path, headers=acme.auth()).json()["name"] == "北京华强科技有限公司"
    assert http.get(path, headers=globex.auth()).status_code == 404
    globex_names = [
        c["id"] for c in http.get("/api/v1/customers", headers=globex.auth()).json()["items"]
    ]
    assert customer_id not in globex_names


def test_a_rep_who_may_not_see_phones_gets_them_masked(
    http: httpx.Client, companies: tuple[Company, Company]
) -> None:
    acme, _ = companies
    viewer = acme.create(
        "/api/v1/roles",
        {"name": "客户查看", "permissions": ["customers:view"], "scopes": {"customers": "all"}},
    )
    email = f"zhang.wei@{acme.slug}.example"
    acme.create(
        "/api/v1/users",
        {"email": email, "name": "张伟", "password": PASSWORD, "role_ids": [viewer["id"]]},
    )
    acme.login("zhang", email)
    created = http.post(
        "/api/v1/customers",
        json={
            "kind": "person",
            "name": "王芳",
            "phone": "13900001234",
            "email": "wang.fang@example.com",
        },
        headers=acme.auth(),
    )
    assert created.status_code == 201, created.text
    seen = http.get(f"/api/v1/customers/{created.json()['id']}", headers=acme.auth("zhang"))
    assert seen.status_code == 200, "scope `all` sees every customer of the tenant"
    body = seen.text
    assert "13900001234" not in body, body
    assert "wang.fang@example.com" not in body, body
    assert "139****1234" in body
