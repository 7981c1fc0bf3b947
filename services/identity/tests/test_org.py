"""Each admin shapes their own organisation: a department tree without cycles, positions,
users moved, disabled and re-enabled, roles validated against the catalogue. Neither tenant
sees the other's."""

from identity_testkit import PASSWORD, Org

from crmkit.events.consumer import EventConsumer


def build_tree(org: Org) -> dict[str, dict[str, object]]:
    head_office = org.created("/api/v1/departments", {"name": "Head office"})
    sales = org.created("/api/v1/departments", {"name": "Sales", "parent_id": head_office["id"]})
    east = org.created(
        "/api/v1/departments", {"name": "Sales East", "parent_id": sales["id"], "sort_order": 2}
    )
    west = org.created(
        "/api/v1/departments", {"name": "Sales West", "parent_id": sales["id"], "sort_order": 1}
    )
    return {"head_office": head_office, "sales": sales, "east": east, "west": west}


def department_names(org: Org) -> list[str]:
    return [d["name"] for d in org.get("/api/v1/departments").json()["items"]]


def test_each_admin_builds_a_tree_the_other_tenant_never_sees(acme: Org, globex: Org) -> None:
    acme_tree = build_tree(acme)
    globex.created("/api/v1/departments", {"name": "Globex HQ"})
    assert sorted(department_names(acme)) == ["Head office", "Sales", "Sales East", "Sales West"]
    assert department_names(globex) == ["Globex HQ"]
    siblings = [
        d["name"]
        for d in acme.get("/api/v1/departments").json()["items"]
        if d["parent_id"] == acme_tree["sales"]["id"]
    ]
    assert siblings == ["Sales West", "Sales East"], "siblings in their order"


def test_a_department_cannot_move_under_itself_or_its_descendants(acme: Org) -> None:
    tree = build_tree(acme)
    for new_parent in (tree["sales"]["id"], tree["east"]["id"]):
        response = acme.patch(
            f"/api/v1/departments/{tree['sales']['id']}", {"parent_id": new_parent}
        )
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "parent_id"
    moved = acme.patch(
        f"/api/v1/departments/{tree['east']['id']}", {"parent_id": tree["head_office"]["id"]}
    )
    assert moved.status_code == 200
    assert moved.json()["parent_id"] == tree["head_office"]["id"]
    renamed = acme.patch(f"/api/v1/departments/{tree['east']['id']}", {"name": "East"})
    assert renamed.json()["name"] == "East"
    top = acme.patch(f"/api/v1/departments/{tree['east']['id']}", {"parent_id": None})
    assert top.json()["parent_id"] is None


def test_stale_if_match_is_412_and_the_etag_is_the_version(acme: Org) -> None:
    department = acme.created("/api/v1/departments", {"name": "Support"})
    path = f"/api/v1/departments/{department['id']}"
    etag = acme.get(path).headers["etag"]
    assert etag == f'"{department["version"]}"'
    first = acme.patch(path, {"name": "Customer care"}, headers={"If-Match": etag})
    assert first.status_code == 200
    stale = acme.patch(path, {"name": "Lost update"}, headers={"If-Match": etag})
    assert stale.status_code == 412
    assert acme.get(path).json()["name"] == "Customer care"


def test_only_an_empty_department_is_deleted(acme: Org) -> None:
    tree = build_tree(acme)
    assert acme.delete(f"/api/v1/departments/{tree['sales']['id']}").status_code == 409
    acme.add_user("ivy", department_id=tree["west"]["id"])
    assert acme.delete(f"/api/v1/departments/{tree['west']['id']}").status_code == 409
    assert acme.delete(f"/api/v1/departments/{tree['east']['id']}").status_code == 204
    assert acme.get(f"/api/v1/departments/{tree['east']['id']}").status_code == 404


def test_a_department_has_a_head(acme: Org) -> None:
    ann = acme.add_user("ann")
    department = acme.created("/api/v1/departments", {"name": "Ops", "head_user_id": ann["id"]})
    assert department["head_user_id"] == ann["id"]
    unknown = acme.created("/api/v1/departments", {"name": "Ops 2"})
    response = acme.patch(
        f"/api/v1/departments/{unknown['id']}",
        {"head_user_id": "00000000-0000-4000-8000-000000000000"},
    )
    assert response.status_code == 422


def test_users_are_created_moved_disabled_and_re_enabled(acme: Org, globex: Org) -> None:
    tree = build_tree(acme)
    rep = acme.add_user("rita", roles=("sales_rep",), department_id=tree["east"]["id"])
    globex.add_user("gus")
    assert {u["email"] for u in globex.get("/api/v1/users").json()["items"]} == {
        globex.admin_email,
        f"gus@{globex.slug}.example",
    }
    path = f"/api/v1/users/{rep['id']}"
    moved = acme.patch(path, {"department_id": tree["west"]["id"]})
    assert moved.json()["department_id"] == tree["west"]["id"]
    disabled = acme.post(f"{path}/disable")
    assert disabled.json()["status"] == "disabled"
    login = {"tenant": acme.slug, "email": rep["email"], "password": PASSWORD}
    assert acme.client.post("/api/v1/auth/login", json=login).status_code == 401
    assert acme.post(f"{path}/enable").json()["status"] == "active"
    assert acme.client.post("/api/v1/auth/login", json=login).status_code == 200
    duplicate = acme.post(
        "/api/v1/users", {"email": rep["email"], "name": "X", "password": PASSWORD}
    )
    assert duplicate.status_code == 409
    weak = acme.post("/api/v1/users", {"email": "w@acme.example", "name": "W", "password": "weak"})
    assert weak.status_code == 422
    assert weak.json()["errors"][0]["field"] == "password"


def test_passwords_reset_by_an_admin_and_changed_by_their_owner(acme: Org) -> None:
    user = acme.add_user("pat")
    new = "N3w-password!"
    reset = acme.post(f"/api/v1/users/{user['id']}/password", {"new_password": new})
    assert reset.status_code == 204
    assert acme.get("/api/v1/me", as_="pat").status_code == 401, "a reset ends sessions"
    acme.login("pat", user["email"], new)
    wrong = acme.post(
        "/api/v1/me/password", {"current_password": "nope", "new_password": PASSWORD}, as_="pat"
    )
    assert wrong.status_code == 422
    changed = acme.post(
        "/api/v1/me/password", {"current_password": new, "new_password": PASSWORD}, as_="pat"
    )
    assert changed.status_code == 204
    assert acme.get("/api/v1/me", as_="pat").status_code == 200, "the changing session goes on"
    acme.login("pat", user["email"], PASSWORD)


def test_roles_are_checked_against_the_catalogue(acme: Org, globex: Org) -> None:
    role = acme.created(
        "/api/v1/roles",
        {
            "name": "Exporter",
            "permissions": ["customers:view", "customers:export"],
            "scopes": {"customers": "department"},
            "field_rules": {"customers": {"phone": "masked"}},
        },
    )
    assert role["scopes"] == {"customers": "department"}
    for bad in (
        {"name": "Bad", "permissions": ["customers:fly"]},
        {"name": "Bad", "scopes": {"customers": "galaxy"}},
        {"name": "Bad", "scopes": {"nowhere": "own"}},
        {"name": "Bad", "field_rules": {"customers": {"shoe_size": "hidden"}}},
        {"name": "Bad", "field_rules": {"customers": {"phone": "blurred"}}},
    ):
        assert acme.post("/api/v1/roles", bad).status_code == 422, bad
    assert "Exporter" not in [r["name"] for r in globex.get("/api/v1/roles").json()["items"]]
    builtin = {r["builtin_key"] for r in globex.get("/api/v1/roles").json()["items"]}
    assert builtin == {"tenant_admin", "sales_manager", "sales_rep", "service_agent"}

    rep_role = acme.role_id("sales_rep")
    edited = acme.patch(f"/api/v1/roles/{rep_role}", {"permissions": ["customers:view"]})
    assert edited.status_code == 200, "built-in roles can be edited"
    assert acme.delete(f"/api/v1/roles/{rep_role}").status_code == 409, "but not deleted"
    assert acme.delete(f"/api/v1/roles/{role['id']}").status_code == 204


def test_a_user_without_the_permission_cannot_administer(acme: Org) -> None:
    acme.add_user("sam", roles=("sales_rep",))
    assert acme.post("/api/v1/departments", {"name": "Mine"}, as_="sam").status_code == 403
    assert acme.post("/api/v1/roles", {"name": "Mine"}, as_="sam").status_code == 403
    assert acme.get("/api/v1/audit-events", as_="sam").status_code == 403


def test_events_announce_user_changes(acme: Org, consumer: EventConsumer) -> None:
    from sqlalchemy import select

    from crmkit.events.models import OutboxRecord

    user = acme.add_user("eve")
    acme.post(f"/api/v1/users/{user['id']}/disable")
    acme.post(f"/api/v1/users/{user['id']}/enable")
    role = acme.role_id("sales_rep")
    acme.patch(f"/api/v1/roles/{role}", {"description": "changed"})
    db = consumer._db  # noqa: SLF001 - the same database the app writes to
    with db.platform_session() as session:
        kinds = session.scalars(
            select(OutboxRecord.routing_key)
            .where(OutboxRecord.tenant_id == acme.tenant_id)
            .order_by(OutboxRecord.id)
        ).all()
    tail = [k for k in kinds if k.startswith(("identity.user.", "identity.role."))][-4:]
    assert tail == [
        "identity.user.created",
        "identity.user.disabled",
        "identity.user.enabled",
        "identity.role.changed",
    ]


def test_positions_are_named_once_per_tenant_and_kept_while_held(acme: Org, globex: Org) -> None:
    engineer = acme.created("/api/v1/positions", {"name": "Engineer"})
    assert globex.created("/api/v1/positions", {"name": "Engineer"})["id"] != engineer["id"]
    assert acme.post("/api/v1/positions", {"name": "Engineer"}).status_code == 409
    acme.add_user("pia", position_id=engineer["id"])
    assert acme.delete(f"/api/v1/positions/{engineer['id']}").status_code == 409
    renamed = acme.patch(f"/api/v1/positions/{engineer['id']}", {"name": "Senior engineer"})
    assert renamed.json()["name"] == "Senior engineer"
    assert [p["name"] for p in globex.get("/api/v1/positions").json()["items"]] == ["Engineer"]


def test_the_permission_catalogue_lists_each_modules_permissions_and_fields(acme: Org) -> None:
    catalogue = {m["module"]: m for m in acme.get("/api/v1/permission-catalogue").json()}
    assert "customers:view_phone" in catalogue["customers"]["permissions"]
    assert "phone" in catalogue["customers"]["fields"]
    assert catalogue["customers"]["scopes"] == [
        "own",
        "subordinates",
        "department",
        "department_tree",
        "all",
    ]
