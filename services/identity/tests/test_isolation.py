"""A user of one tenant gets 404 for every id of the other tenant, whichever route: the
suite walks every route of the app, so a new route with an id is covered or fails here."""

import re
import uuid
from typing import Any

from fastapi.testclient import TestClient
from identity_testkit import Org

# Operator routes name tenants, not a tenant's records: staff get 403 there, not 404.
OPERATOR_PREFIX = "/api/v1/platform/"
ANY_BODY = {"name": "Probe", "new_password": "Pr0be-password!", "permissions": []}


def records_of(org: Org) -> dict[str, str]:
    department = org.created("/api/v1/departments", {"name": "Isolated"})
    position = org.created("/api/v1/positions", {"name": "Isolated position"})
    role = org.created("/api/v1/roles", {"name": "Isolated role"})
    user = org.add_user("isolated", department_id=department["id"], position_id=position["id"])
    key = org.created("/api/v1/api-keys", {"name": "Isolated", "permissions": ["customers:view"]})
    account = org.created(
        "/api/v1/portal-accounts",
        {
            "email": f"contact@{org.slug}.example",
            "name": "Isolated contact",
            "password": "Pr0be-password!",
            "kind": "customer_contact",
            "linked_record_id": str(uuid.uuid4()),
        },
    )
    return {
        "key_id": key["id"],
        "account_id": account["id"],
        "department_id": department["id"],
        "position_id": position["id"],
        "role_id": role["id"],
        "user_id": user["id"],
    }


def routes_with_ids(client: TestClient) -> list[tuple[str, str]]:
    paths = client.app.openapi()["paths"]  # type: ignore[attr-defined]
    return sorted(
        (method.upper(), path)
        for path, operations in paths.items()
        if "{" in path and not path.startswith(OPERATOR_PREFIX) and "{slug}" not in path
        for method in operations
    )


def call(org: Org, method: str, path: str) -> Any:
    headers = org.headers()
    if method in ("GET", "DELETE"):
        return org.client.request(method, path, headers=headers)
    return org.client.request(method, path, headers=headers, json=ANY_BODY)


def test_every_id_of_the_other_tenant_is_404_on_every_route(
    client: TestClient, acme: Org, globex: Org
) -> None:
    acme_ids = records_of(acme)
    globex_ids = records_of(globex)
    routes = routes_with_ids(client)
    assert len(routes) >= 15
    for method, template in routes:
        names = re.findall(r"{(\w+)}", template)
        assert all(n in globex_ids for n in names), f"{template}: add its record to records_of"
        foreign = template
        for name in names:
            foreign = foreign.replace("{" + name + "}", globex_ids[name])
        response = call(acme, method, foreign)
        assert response.status_code == 404, (method, template, response.status_code, response.text)
    # globex's records are intact, and acme's own ids do resolve on the same routes.
    for name, path in (
        ("department_id", "/api/v1/departments/{}"),
        ("position_id", "/api/v1/positions/{}"),
        ("role_id", "/api/v1/roles/{}"),
        ("user_id", "/api/v1/users/{}"),
        ("key_id", "/api/v1/api-keys/{}"),
        ("account_id", "/api/v1/portal-accounts/{}"),
    ):
        assert globex.get(path.format(globex_ids[name])).status_code == 200
        assert acme.get(path.format(acme_ids[name])).status_code == 200


def test_staff_cannot_use_operator_routes(acme: Org, globex: Org) -> None:
    for action in ("suspend", "activate"):
        for org, target in ((acme, globex), (acme, acme)):
            response = org.post(f"{OPERATOR_PREFIX}tenants/{target.tenant_id}/{action}")
            assert response.status_code == 403
    assert globex.get("/api/v1/me").status_code == 200
