"""The admin pages in a real browser: the department tree, users, roles and the audit log,
each change made through the console and checked through the public API, in two tenants."""

import re

import httpx
from console_admin_testkit import call
from playwright.sync_api import Browser, Locator, Page, expect
from web_testkit import PASSWORD, Company, shot, sign_in


def _department(company: Company, name: str) -> dict[str, object]:
    found = [d for d in call(company, "GET", "/api/v1/departments")["items"] if d["name"] == name]
    assert len(found) == 1, found
    return dict(found[0])


def _node(page: Page, name: str) -> Locator:
    """A department's row in the tree (its summary), found by its exact name."""
    return page.locator("li.dept > details > summary").filter(
        has=page.locator(".name", has_text=re.compile(f"^{re.escape(name)}$"))
    )


def test_admin_builds_departments_and_users_and_the_other_tenant_sees_none(
    page: Page, base: str, companies: tuple[Company, Company]
) -> None:
    acme, globex = companies
    sign_in(page, base, acme, acme.admin_email)
    expect(page.locator("#nav-admin")).to_be_visible()
    page.click("#nav-admin")
    expect(page).to_have_url(re.compile(r"/admin/departments$"))

    # Add departments: two at the top, one below the first.
    for name in ("华东销售部", "Hangzhou team"):
        page.fill("#new-department input[name=name]", name)
        page.click("#new-department button[type=submit]")
        expect(_node(page, name)).to_be_visible()
    _node(page, "华东销售部").click()
    east = _node(page, "华东销售部").locator("xpath=../..")
    east.locator("form.add-form input[name=name]").fill("上海组")
    east.locator("form.add-form button").click()
    expect(page.locator("li.dept li.dept .name", has_text="上海组")).to_be_visible()
    east_id = _department(acme, "华东销售部")["id"]
    assert _department(acme, "上海组")["parent_id"] == east_id

    # Drag "Hangzhou team" onto 华东销售部: it moves below it.
    expect(page.locator("#department-tree[data-drag-ready=true]")).to_have_count(1)
    _node(page, "Hangzhou team").drag_to(_node(page, "华东销售部"))
    nested = page.locator("li.dept li.dept .name", has_text="Hangzhou team")
    expect(nested).to_be_visible(timeout=15_000)
    assert _department(acme, "Hangzhou team")["parent_id"] == east_id
    shot(page, "admin-1-department-tree")

    # Without dragging: the "move to" select takes 上海组 back to the top; then rename it.
    _node(page, "上海组").click()
    shanghai = _node(page, "上海组").locator("xpath=../..")
    shanghai.locator("form.move-form select").select_option(label="(top level)")
    shanghai.locator("form.move-form button").click()
    expect(
        page.locator("#department-tree > li.dept > details .name", has_text="上海组")
    ).to_be_visible()
    assert _department(acme, "上海组")["parent_id"] is None
    _node(page, "上海组").click()
    shanghai = _node(page, "上海组").locator("xpath=../..")
    shanghai.locator("form.rename-form input[name=name]").fill("上海一组")
    shanghai.locator("form.rename-form button").click()
    expect(_node(page, "上海一组")).to_be_visible()

    # A department with sub-departments cannot be deleted: the reason shows beside it.
    _node(page, "华东销售部").click()
    east = _node(page, "华东销售部").locator("xpath=../..")
    east.locator("> details button.danger").click()
    expect(page.locator(".admin-errors")).to_contain_text("sub-departments")
    shot(page, "admin-2-department-refused")

    # A user in 华东销售部: a bad email is refused beside the field, the rest kept.
    page.click(".admin-tabs a[href='/admin/users']")
    page.click("#new-user")
    page.fill("input[name=name]", "王小明")
    page.fill("input[name=email]", "not-an-email")
    page.fill("input[name=password]", PASSWORD)
    page.select_option("select[name=department_id]", label="华东销售部")
    page.locator("fieldset.roles-pick label", has_text="Sales rep").locator("input").check()
    page.click("#save-user")
    expect(page.locator("#err-email")).to_be_visible()
    assert page.input_value("input[name=name]") == "王小明"
    shot(page, "admin-3-user-field-error")
    email = f"xiaoming@{acme.slug}.example"
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("#save-user")
    expect(page.locator("p.notice")).to_be_visible()
    expect(page.locator("h1")).to_contain_text("王小明")

    page.goto(f"{base}/admin/users?department_id={east_id}")
    rows = page.locator("#users tr.user-row")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("王小明")
    expect(rows.first).to_contain_text("华东销售部")
    shot(page, "admin-4-users")

    # Move the user to Hangzhou team through the edit form.
    rows.first.locator("a").click()
    page.select_option("select[name=department_id]", label="· Hangzhou team")
    page.click("#save-user")
    expect(page.locator("p.notice")).to_be_visible()
    hangzhou_id = _department(acme, "Hangzhou team")["id"]
    moved = call(acme, "GET", f"/api/v1/users/{_user_id(acme, email)}")
    assert moved["department_id"] == hangzhou_id
    page.goto(f"{base}/admin/users?department_id={east_id}")
    expect(page.locator("#users tr.user-row")).to_have_count(0)
    page.goto(f"{base}/admin/users?department_id={hangzhou_id}")
    rows = page.locator("#users tr.user-row")
    expect(rows).to_have_count(1)

    # Reset the password (a weak one is refused beside the field), then disable the user.
    rows.first.locator("a").click()
    page.fill("input[name=new_password]", "123")
    page.click("#password-form button")
    expect(page.locator("#err-new_password")).to_be_visible()
    page.fill("input[name=new_password]", "An0ther-Strong-Secret")
    page.click("#password-form button")
    expect(page.locator("p.notice")).to_be_visible()
    login = {"tenant": acme.slug, "email": email, "password": "An0ther-Strong-Secret"}
    assert acme.http.post("/api/v1/auth/login", json=login).status_code == 200
    page.click("#disable-user")
    expect(page.locator("#user-status")).to_have_text("Disabled")
    assert acme.http.post("/api/v1/auth/login", json=login).status_code == 401
    shot(page, "admin-5-user-disabled")

    # The other tenant: none of it, in its API or its console.
    assert not [
        d for d in call(globex, "GET", "/api/v1/departments")["items"] if "华东" in d["name"]
    ]
    assert email not in str(call(globex, "GET", "/api/v1/users", params={"limit": 200}))
    sign_in(page, base, globex, globex.admin_email)
    page.goto(f"{base}/admin/departments")
    expect(page.locator("h1")).to_be_visible()
    assert "华东销售部" not in page.content()
    assert "Hangzhou team" not in page.content()
    page.goto(f"{base}/admin/users")
    assert "王小明" not in page.content()
    # An id from the other tenant is a 404 there, not a peek.
    page.goto(f"{base}/admin/users/{_user_id(acme, email)}")
    expect(page.locator("h1")).to_have_text(re.compile("未找到|Not found"))
    shot(page, "admin-6-other-tenant")


def _user_id(company: Company, email: str) -> str:
    users = call(company, "GET", "/api/v1/users", params={"limit": 200})["items"]
    return str(next(u["id"] for u in users if u["email"] == email))


def test_role_matrix_change_takes_effect_for_its_holder(
    page: Page, browser: Browser, base: str, companies: tuple[Company, Company]
) -> None:
    acme, globex = companies
    sign_in(page, base, acme, acme.admin_email)
    page.goto(f"{base}/admin/roles")
    page.click("#new-role")
    # No name: the API's field error shows beside the name.
    page.click("#save-role")
    expect(page.locator("#err-name")).to_be_visible()
    page.fill("input[name=name]", "Auditor")
    page.check("#permission-matrix input[value='customers:view']")
    page.click("#save-role")
    expect(page.locator("p.notice")).to_be_visible()
    role_id = page.url.rsplit("/", 1)[1].split("?")[0]
    assert call(acme, "GET", f"/api/v1/roles/{role_id}")["permissions"] == ["customers:view"]
    call(
        acme, "POST", "/api/v1/users",
        json={"email": f"audrey@{acme.slug}.example", "name": "Audrey", "password": PASSWORD,
              "role_ids": [role_id]},
    )  # fmt: skip

    holder = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 800})
    try:
        audrey = holder.new_page()
        sign_in(audrey, base, acme, f"audrey@{acme.slug}.example")
        expect(audrey.locator("#nav-admin")).to_have_count(0)
        audrey.goto(f"{base}/admin/audit")
        expect(audrey.locator("h1")).to_have_text("You may not do that")

        # The admin ticks "Audit log", widens the customers scope and masks phones.
        page.check("#permission-matrix input[value='identity:view_audit']")
        page.select_option("select[name='scope.customers']", "all")
        page.select_option("select[name='rule.customers.phone']", "masked")
        shot(page, "roles-1-matrix")
        page.click("#save-role")
        expect(page.locator("p.notice")).to_be_visible()
        role = call(acme, "GET", f"/api/v1/roles/{role_id}")
        assert role["permissions"] == ["customers:view", "identity:view_audit"]
        assert role["scopes"] == {"customers": "all"}
        assert role["field_rules"] == {"customers": {"phone": "masked"}}

        # Her next session carries it: the admin link, and the audit log with the change.
        audrey.click("#sign-out")
        sign_in(audrey, base, acme, f"audrey@{acme.slug}.example")
        expect(audrey.locator("#nav-admin")).to_be_visible()
        audrey.click("#nav-admin")
        expect(audrey).to_have_url(re.compile(r"/admin/audit$"))
        expect(audrey.locator(".admin-tabs a")).to_have_count(1)
        audrey.select_option("select[name=action]", "role.updated")
        audrey.click("#audit-filters button[type=submit]")
        expect(audrey.locator("tr.audit-row").first).to_be_visible()
        assert audrey.locator("tr.audit-row").evaluate_all(
            "rows => rows.every(r => r.dataset.action === 'role.updated')"
        )
        shot(audrey, "roles-2-audit-for-holder")
        # The API agrees, and she still may not manage roles.
        token = acme.http.post(
            "/api/v1/auth/login",
            json={
                "tenant": acme.slug,
                "email": f"audrey@{acme.slug}.example",
                "password": PASSWORD,
            },
        ).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        assert acme.http.get("/api/v1/audit-events", headers=headers).status_code == 200
        denied = acme.http.patch(f"/api/v1/roles/{role_id}", json={"name": "x"}, headers=headers)
        assert denied.status_code == 403
    finally:
        holder.close()

    # The other tenant has no such role and cannot open it.
    assert "Auditor" not in [r["name"] for r in call(globex, "GET", "/api/v1/roles")["items"]]
    call(globex, "GET", "/api/v1/me")  # a fresh token
    other = httpx.get(
        f"{base}/api/v1/roles/{role_id}",
        headers={"Authorization": f"Bearer {globex.tokens['admin']}"},
    )
    assert other.status_code == 404
