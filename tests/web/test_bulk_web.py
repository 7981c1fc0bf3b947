"""Bulk actions on the customer list and contact editing on the customer page, in a real
browser against the real platform, in two tenants that never see each other's records."""

import uuid
from typing import Any

from console_admin_testkit import call
from playwright.sync_api import Page, expect
from web_testkit import Company, add_user, poll, shot, sign_in

REP_PERMISSIONS = ["customers:view", "customers:create", "customers:update", "search:use"]


def _customer(company: Company, name: str, **fields: Any) -> str:
    body = {"kind": "company", "name": name, **fields}
    return str(call(company, "POST", "/api/v1/customers", json=body)["id"])


def _names(company: Company, who: str, prefix: str) -> set[str]:
    found = call(
        company, "GET", "/api/v1/customers", who=who,
        params={"filter": f"name:contains:{prefix}", "limit": 100},
    )  # fmt: skip
    return {c["name"] for c in found["items"]}


def _status_as(company: Company, path: str, who: str = "admin") -> int:
    email = company.admin_email if who == "admin" else f"{who}@{company.slug}.example"
    company.login(who, email)
    headers = {"Authorization": f"Bearer {company.tokens[who]}"}
    return company.http.get(path, headers=headers).status_code


def _rep(
    company: Company, who: str, permissions: list[str] = REP_PERMISSIONS, customers: str = "own"
) -> str:
    role = call(
        company, "POST", "/api/v1/roles",
        json={"name": f"Bulk rep {uuid.uuid4().hex[:6]}", "permissions": permissions,
              "scopes": {"customers": customers}},
    )  # fmt: skip
    user_id = add_user(company, who, role_ids=[role["id"]])

    admin_id = call(company, "GET", "/api/v1/me")["user"]["id"]

    def known_to_customers() -> bool:
        # Customers learns of new users by identity's events: a hand-over to a user it does
        # not know yet is 422; to a known one, with no customers listed, it moves nothing.
        response = company.http.post(
            "/api/v1/pools/hand-overs",
            json={"from_user_id": admin_id, "to_user_id": user_id, "customer_ids": []},
            headers={"Authorization": f"Bearer {company.tokens['admin']}"},
        )
        return response.status_code == 200

    assert poll(known_to_customers, timeout=30)
    return user_id


def _row(page: Page, name: str) -> Any:
    return page.locator("#customer-list tr.record", has_text=name)


def _tick(page: Page, *names: str) -> None:
    for name in names:
        _row(page, name).locator("input.bulk-pick").check()


def test_transfer_tag_and_release_in_bulk(
    page: Page, phone: Page, base: str, companies: tuple[Company, Company]
) -> None:
    acme, globex = companies
    run = uuid.uuid4().hex[:4]
    prefix = f"批量{run}"
    names = [f"{prefix}甲公司", f"{prefix}乙公司", f"{prefix}丙公司"]
    ids = {name: _customer(acme, name) for name in names}
    globex_id = _customer(globex, f"{prefix}环球公司")
    tag = f"vip{run}"
    call(acme, "POST", "/api/v1/categories/tag", json={"key": tag, "label": f"VIP {run}"})
    bea_id = _rep(acme, f"bea{run}")
    bea = f"bea{run}"

    sign_in(page, base, acme, acme.admin_email)
    page.goto(f"{base}/customers?f=name&op=contains&v={prefix}")
    expect(page.locator("#customer-list tr.record")).to_have_count(3)
    expect(page.locator("#bulk-actions")).to_be_hidden()
    assert f"{prefix}环球公司" not in page.content()

    # Two ticked: the bar appears; transfer them to bea.
    _tick(page, names[0], names[1])
    expect(page.locator("#bulk-actions")).to_be_visible()
    expect(page.locator("#bulk-count")).to_have_text("2 selected")
    page.select_option("#bulk-owner", bea_id)
    shot(page, "bulk-1-selected")
    page.click("#bulk-transfer")
    expect(page.locator("#bulk-summary")).to_have_text("2 transferred")
    for name in names[:2]:
        expect(_row(page, name)).to_contain_text(bea.title())
    expect(_row(page, names[2])).not_to_contain_text(bea.title())
    expect(page.locator("#bulk-actions")).to_be_hidden()  # the reloaded rows are unticked
    assert _names(acme, bea, prefix) == set(names[:2])

    # Tag the first and the third: the tag filter finds exactly them.
    _tick(page, names[0], names[2])
    page.select_option("#bulk-tag", tag)
    page.click("#bulk-tag-add")
    expect(page.locator("#bulk-summary")).to_have_text("2 tagged")
    page.goto(f"{base}/customers?f=tags&op=eq&v={tag}")
    expect(page.locator("#customer-list tr.record")).to_have_count(2)
    listed = page.locator("#customer-list tr.record td.title a").all_inner_texts()
    assert sorted(listed) == sorted([names[0], names[2]])

    # "Select all" ticks the page; a release needs a reason.
    page.goto(f"{base}/customers?f=name&op=contains&v={prefix}")
    page.check("#bulk-all")
    expect(page.locator("input.bulk-pick:checked")).to_have_count(3)
    page.uncheck("#bulk-all")
    expect(page.locator("#bulk-actions")).to_be_hidden()

    # bea has no customers:transfer: no transfer action; she releases one of hers.
    page.click("#sign-out")
    sign_in(page, base, acme, f"{bea}@{acme.slug}.example")
    page.goto(f"{base}/customers?f=name&op=contains&v={prefix}")
    expect(page.locator("#customer-list tr.record")).to_have_count(2)
    _tick(page, names[1])
    expect(page.locator("#bulk-actions")).to_be_visible()
    assert page.locator("#bulk-transfer").count() == 0
    assert page.locator("#bulk-owner").count() == 0
    page.click("#bulk-release")
    expect(page.locator("#bulk-error")).to_have_text("Say why they are released.")
    page.fill("#bulk-reason", "没有预算")
    page.click("#bulk-release")
    expect(page.locator("#bulk-summary")).to_have_text("1 released")
    expect(page.locator("#customer-list tr.record")).to_have_count(1)
    expect(_row(page, names[1])).to_have_count(0)
    shot(page, "bulk-2-released")

    # The admin tags all three again: the pooled one is refused by name, with the reason.
    page.click("#sign-out")
    sign_in(page, base, acme, acme.admin_email)
    pooled = call(acme, "GET", f"/api/v1/customers/{ids[names[1]]}")
    assert pooled["pool_id"] is not None
    page.goto(f"{base}/customers?f=name&op=contains&v={prefix}")
    rows = page.locator("#customer-list tr.record")
    if rows.count() == 3:  # the admin's scope reaches pooled customers
        page.check("#bulk-all")
        page.select_option("#bulk-tag", tag)
        page.click("#bulk-tag-remove")
        expect(page.locator("#bulk-summary")).to_have_text("2 untagged, 1 refused:")
        expect(page.locator(".bulk-refused li")).to_have_text(
            f"{names[1]} — it is in a public pool"
        )
        shot(page, "bulk-3-refused")

    # Globex sees none of it, on screen and by id.
    page.click("#sign-out")
    sign_in(page, base, globex, globex.admin_email)
    page.goto(f"{base}/customers?f=name&op=contains&v={prefix}")
    expect(page.locator("#customer-list tr.record")).to_have_count(1)
    expect(page.locator("#customer-list")).to_contain_text(f"{prefix}环球公司")
    page.goto(f"{base}/customers/{ids[names[0]]}")
    expect(page.locator("main")).to_contain_text("未找到")
    assert _status_as(globex, f"/api/v1/customers/{ids[names[0]]}") == 404
    assert _status_as(acme, f"/api/v1/customers/{globex_id}") == 404
    assert call(globex, "GET", f"/api/v1/customers/{globex_id}")["tags"] == []

    # At phone width the cards carry the checkboxes and the bar stacks.
    sign_in(phone, base, acme, acme.admin_email)
    phone.goto(f"{base}/customers?f=name&op=contains&v={prefix}")
    card = phone.locator("#customer-list tr.record").first
    expect(card).to_be_visible()
    assert card.evaluate("row => getComputedStyle(row).display") == "block"
    card.locator("input.bulk-pick").check()
    expect(phone.locator("#bulk-actions")).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    shot(phone, "bulk-4-phone")


def test_contacts_add_edit_delete_and_pooled(
    page: Page, phone: Page, base: str, companies: tuple[Company, Company]
) -> None:
    acme, globex = companies
    run = uuid.uuid4().hex[:4]
    customer_id = _customer(acme, f"联系人{run}科技有限公司")
    globex_customer = _customer(globex, f"联系人{run}环球有限公司")
    globex_contact = call(
        globex, "POST", f"/api/v1/customers/{globex_customer}/contacts", json={"name": "环球王"}
    )
    sign_in(page, base, acme, acme.admin_email)
    page.goto(f"{base}/customers/{customer_id}")
    expect(page.locator("#contacts .count")).to_have_text("0")

    # A bad email: the reason beside the field, the form kept, nothing saved.
    page.click("#add-contact")
    page.fill("#new-contact-name", "张伟")
    page.fill("#new-contact-title", "采购经理")
    page.fill("#new-contact-phones", "13800001111, 010-62345678")
    page.fill("#new-contact-email", "zhangwei-at-example")
    page.click("#new-contact-save")
    expect(page.locator("#new-contact-email-error")).to_be_visible()
    expect(page.locator("#new-contact-name")).to_have_value("张伟")
    shot(page, "bulk-5-contact-error")
    contacts = call(acme, "GET", f"/api/v1/customers/{customer_id}/contacts")["items"]
    assert contacts == []

    page.fill("#new-contact-email", "zhangwei@example.com")
    page.click("#new-contact-save")
    expect(page.locator("#contacts .count")).to_have_text("1")
    card = page.locator("#contacts li.contact-card")
    expect(card).to_contain_text("张伟")
    expect(card).to_contain_text("采购经理")
    expect(card).to_contain_text("zhangwei@example.com")
    [saved] = call(acme, "GET", f"/api/v1/customers/{customer_id}/contacts")["items"]
    assert saved["phones"] == ["13800001111", "01062345678"]
    assert saved["is_primary"] is True  # the first contact

    # Edit in place.
    card.locator(".edit-contact").click()
    page.fill("#edit-contact-title", "采购总监")
    page.fill("#edit-contact-wechat", "zw_wechat")
    page.click("#edit-contact-save")
    expect(page.locator("#contacts li.contact-card")).to_contain_text("采购总监")
    expect(page.locator("#edit-contact-form")).to_have_count(0)
    assert call(acme, "GET", f"/api/v1/contacts/{saved['id']}")["wechat"] == "zw_wechat"
    shot(page, "bulk-6-contact-saved")

    # Delete after confirming.
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("#contacts .delete-contact").click()
    expect(page.locator("#contacts .count")).to_have_text("0")
    assert call(acme, "GET", f"/api/v1/customers/{customer_id}/contacts")["items"] == []

    # Released to the pool while the form is open: the 409 is said, nothing saved; reloaded,
    # the panel offers no editing.
    page.click("#add-contact")
    page.fill("#new-contact-name", "李娜")
    call(acme, "POST", f"/api/v1/customers/{customer_id}/release", json={"reason": "测试"})
    page.click("#new-contact-save")
    expect(page.locator("#contacts-notice")).to_contain_text("public pool")
    assert call(acme, "GET", f"/api/v1/customers/{customer_id}/contacts")["items"] == []
    page.goto(f"{base}/customers/{customer_id}")
    expect(page.locator("#contacts-pooled")).to_be_visible()
    assert page.locator("#add-contact").count() == 0

    # Globex never sees Acme's customer or contacts, and Acme not Globex's.
    assert _status_as(acme, f"/api/v1/contacts/{globex_contact['id']}") == 404
    assert _status_as(globex, f"/api/v1/contacts/{saved['id']}") == 404
    page.goto(f"{base}/customers/{globex_customer}")
    expect(page.locator("main")).to_contain_text("Not found")
    assert "环球王" not in page.content()

    # Phone width: the add form stacks in one column.
    other = _customer(acme, f"联系人{run}手机有限公司")
    sign_in(phone, base, acme, acme.admin_email)
    phone.goto(f"{base}/customers/{other}")
    phone.click("#add-contact")
    name = phone.locator("#new-contact-name").bounding_box()
    title = phone.locator("#new-contact-title").bounding_box()
    assert name
    assert title
    assert abs(name["x"] - title["x"]) < 1
    assert title["y"] > name["y"]
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    shot(phone, "bulk-7-phone-contact")


def test_chosen_columns_are_remembered_per_user(
    page: Page, base: str, companies: tuple[Company, Company]
) -> None:
    acme, globex = companies
    run = uuid.uuid4().hex[:4]
    tag = f"col{run}"
    call(acme, "POST", "/api/v1/categories/tag", json={"key": tag, "label": f"Col {run}"})
    _customer(acme, f"列{run}有限公司", tags=[tag])
    _customer(globex, f"列{run}环球有限公司")

    sign_in(page, base, acme, acme.admin_email)
    page.goto(f"{base}/customers?f=name&op=contains&v=列{run}")
    head = page.locator("#customer-list thead")
    expect(head).to_contain_text("Owner")
    expect(head).not_to_contain_text("Tags")
    page.click("#column-chooser summary")
    page.uncheck("#columns-form input[value=owner_id]")
    page.check("#columns-form input[value=tags]")
    shot(page, "bulk-8-columns")
    page.click("#save-columns")
    expect(head).to_contain_text("Tags")
    expect(head).not_to_contain_text("Owner")
    expect(page.locator("#customer-list td.tags")).to_have_text(f"Col {run}")
    # Remembered: a fresh visit to the list shows the same columns; no view chip for it.
    page.goto(f"{base}/customers")
    expect(head).to_contain_text("Tags")
    assert page.locator(".views .chip", has_text="~columns").count() == 0

    # Globex's admin keeps the standard columns and sees none of Acme's customers.
    page.click("#sign-out")
    sign_in(page, base, globex, globex.admin_email)
    page.goto(f"{base}/customers?f=name&op=contains&v=列{run}")
    expect(head).to_contain_text("负责人")  # Globex works in Chinese
    expect(head).not_to_contain_text("标签")
    expect(page.locator("#customer-list tr.record")).to_have_count(1)
    expect(page.locator("#customer-list")).not_to_contain_text(f"列{run}有限公司")


def test_a_manager_without_admin_rights_transfers_to_a_colleague_from_the_picker(
    page: Page, phone: Page, base: str, companies: tuple[Company, Company]
) -> None:
    acme, globex = companies
    run = uuid.uuid4().hex[:4]
    mia, bea, dora = f"mia{run}", f"bea{run}", f"dora{run}"
    _rep(acme, mia, [*REP_PERMISSIONS, "customers:transfer"])
    bea_id = _rep(acme, bea)
    dora_id = _rep(acme, dora)
    call(acme, "POST", f"/api/v1/users/{dora_id}/disable")
    _rep(globex, f"gus{run}")
    prefix = f"转交{run}"
    name = f"{prefix}甲公司"
    body = {"kind": "company", "name": name}
    customer_id = call(acme, "POST", "/api/v1/customers", who=mia, json=body)["id"]
    # The scoped user list offers mia only herself: the picker must not rely on it.
    assert [u["name"] for u in call(acme, "GET", "/api/v1/users", who=mia)["items"]] == [
        mia.title()
    ]

    sign_in(page, base, acme, f"{mia}@{acme.slug}.example")
    page.goto(f"{base}/customers?f=name&op=contains&v={prefix}")
    _tick(page, name)
    offered = page.locator("#bulk-owner option").all_inner_texts()
    assert bea.title() in offered
    assert mia.title() in offered
    assert dora.title() not in offered  # disabled
    assert not any(f"gus{run}".title() in label for label in offered)  # other tenant
    shot(page, "people-1-picker")
    page.select_option("#bulk-owner", label=bea.title())
    page.click("#bulk-transfer")
    expect(page.locator("#bulk-summary")).to_have_text("1 transferred")
    expect(_row(page, name)).to_have_count(0)  # now bea's: out of mia's own scope
    assert _names(acme, bea, prefix) == {name}
    assert call(acme, "GET", f"/api/v1/customers/{customer_id}")["owner_id"] == bea_id

    # Globex's admin is offered only Globex's people, and never sees the customer.
    sign_in(phone, base, globex, globex.admin_email)
    phone.goto(f"{base}/customers")
    offered = phone.locator("#bulk-owner option").all_inner_texts()
    assert f"gus{run}".title() in offered
    assert not any(bea.title() in label or mia.title() in label for label in offered)
    assert _status_as(globex, f"/api/v1/customers/{customer_id}") == 404


def test_contact_custom_fields_in_the_contact_form(
    page: Page, phone: Page, base: str, companies: tuple[Company, Company]
) -> None:
    acme, globex = companies
    run = uuid.uuid4().hex[:4]
    key, label = f"ext_{run}", f"Extension {run}"
    call(
        acme, "POST", "/api/v1/custom-fields",
        json={"entity": "contact", "key": key, "label": label, "type": "number"},
    )  # fmt: skip
    customer_id = _customer(acme, f"自定义{run}有限公司")
    globex_customer = _customer(globex, f"自定义{run}环球有限公司")

    sign_in(page, base, acme, acme.admin_email)
    page.goto(f"{base}/customers/{customer_id}")
    page.click("#add-contact")
    page.fill("#new-contact-name", "周杰")
    page.fill(f"#new-contact-custom-{key}", "八十")
    page.click("#new-contact-save")
    error = page.locator(f"#new-contact-err-custom-{key}")
    expect(error).to_be_visible()
    expect(error).not_to_be_empty()
    # Beside its own input, inside the same label.
    expect(page.locator("label", has=error).locator(f"#new-contact-custom-{key}")).to_have_count(1)
    expect(page.locator(f"#new-contact-custom-{key}")).to_have_value("八十")
    shot(page, "people-2-contact-custom-error")
    assert call(acme, "GET", f"/api/v1/customers/{customer_id}/contacts")["items"] == []

    page.fill(f"#new-contact-custom-{key}", "8012")
    page.click("#new-contact-save")
    expect(page.locator("#contacts .count")).to_have_text("1")
    shown = page.locator(f"#contacts .contact-custom[data-key={key}]")
    expect(shown).to_have_text(f"{label}: 8,012")
    shot(page, "people-3-contact-custom-value")
    [saved] = call(acme, "GET", f"/api/v1/customers/{customer_id}/contacts")["items"]
    assert saved["custom"] == {key: 8012}

    # Edited in place: the input holds the value; emptied, the value is cleared.
    page.locator("#contacts .edit-contact").click()
    expect(page.locator(f"#edit-contact-custom-{key}")).to_have_value("8012")
    page.fill(f"#edit-contact-custom-{key}", "")
    page.click("#edit-contact-save")
    expect(page.locator("#edit-contact-form")).to_have_count(0)
    expect(shown).to_have_count(0)
    assert call(acme, "GET", f"/api/v1/contacts/{saved['id']}")["custom"] == {}
    shot(page, "people-3b-contact-custom-cleared")

    # Globex never sees the definition: not in its contact form, not in its API.
    sign_in(phone, base, globex, globex.admin_email)
    phone.goto(f"{base}/customers/{globex_customer}")
    phone.click("#add-contact")
    expect(phone.locator("#new-contact-name")).to_be_visible()
    assert phone.locator(f"#new-contact-custom-{key}").count() == 0
    assert label not in phone.content()
    keys = [f["key"] for f in call(globex, "GET", "/api/v1/custom-fields")["items"]]
    assert key not in keys
    assert _status_as(globex, f"/api/v1/contacts/{saved['id']}") == 404
    shot(phone, "people-4-phone-contact-form")


def _headings(page: Page) -> list[str]:
    cells = page.locator("#customer-list thead th:not(.pick)").all_inner_texts()
    return [c.strip() for c in cells if c.strip()]


def test_column_order_is_moved_with_the_keyboard_and_remembered(
    page: Page, phone: Page, base: str, companies: tuple[Company, Company]
) -> None:
    acme, globex = companies
    run = uuid.uuid4().hex[:4]
    ada = f"ada{run}"  # a user of her own: the order is remembered per user
    _rep(acme, ada)
    body = {"kind": "company", "name": f"顺序{run}有限公司", "phones": ["13912345678"]}
    call(acme, "POST", "/api/v1/customers", who=ada, json={**body, "province": "浙江"})
    _customer(globex, f"顺序{run}环球有限公司")
    standard = ["Name", "Status", "Level", "Phone", "Province", "Owner", "Next follow-up"]

    sign_in(page, base, acme, f"{ada}@{acme.slug}.example")
    page.goto(f"{base}/customers?f=name&op=contains&v=顺序{run}")
    assert _headings(page) == standard
    page.click("#column-chooser summary")
    # Phone up twice with the keyboard (the focus stays on the button), Owner down once.
    page.focus("#columns-form button[value='up:phone']")
    page.keyboard.press("Enter")
    page.keyboard.press("Enter")
    expect(page.locator("#column-order-status")).to_have_text("Phone is now column 1.")
    page.focus("#columns-form button[value='down:owner_id']")
    page.keyboard.press("Space")
    rows = page.locator("#column-order li")
    order = rows.evaluate_all("items => items.map(item => item.dataset.column)")
    assert order[:6] == ["phone", "status", "level", "province", "next_follow_up_at", "owner_id"]
    shot(page, "people-5-column-order")
    page.click("#save-columns")
    moved = ["Name", "Phone", "Status", "Level", "Province", "Next follow-up", "Owner"]
    expect(page.locator("#customer-list thead th").nth(2)).to_have_text("Phone")
    assert _headings(page) == moved
    cells = page.locator("#customer-list tr.record").first.locator("td[data-label]")
    assert cells.evaluate_all("tds => tds.map(td => td.dataset.label)") == moved
    expect(page.locator("#customer-list tr.record td.phone")).to_have_text("13912345678")

    # Remembered: reloaded, and in a fresh sign-in on a phone, where the cards follow it.
    page.reload()
    assert _headings(page) == moved
    sign_in(phone, base, acme, f"{ada}@{acme.slug}.example")
    phone.goto(f"{base}/customers?f=name&op=contains&v=顺序{run}")
    card = phone.locator("#customer-list tr.record").first
    expect(card).to_be_visible()
    assert card.locator("td[data-label]").evaluate_all("t => t.map(td => td.dataset.label)") == (
        moved
    )
    phone.click("#column-chooser summary")
    expect(phone.locator("#columns-form button[value='up:phone']")).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    shot(phone, "people-6-phone-columns")

    # Globex keeps the standard order and never sees Acme's customer.
    page.click("#sign-out")
    sign_in(page, base, globex, globex.admin_email)
    page.goto(f"{base}/customers?f=name&op=contains&v=顺序{run}")
    headings = _headings(page)
    assert headings.index("电话") > headings.index("状态")
    expect(page.locator("#customer-list tr.record")).to_have_count(1)
    expect(page.locator("#customer-list")).not_to_contain_text(f"顺序{run}有限公司")


def test_a_rep_sees_colleagues_names_and_finds_one_in_the_picker_by_typing(
    page: Page, phone: Page, base: str, companies: tuple[Company, Company]
) -> None:
    """A rep who sees the team's customers but only themselves in identity (its scope is
    `own`) still reads the owners' and authors' names, a former colleague's too, and picks
    a colleague by typing part of the name."""
    acme, globex = companies
    run = uuid.uuid4().hex[:4]
    rex, bea, dora = f"rex{run}", f"bea{run}", f"dora{run}"
    _rep(acme, rex, [*REP_PERMISSIONS, "customers:transfer"], customers="all")
    bea_id = _rep(acme, bea)
    dora_id = _rep(acme, dora)
    gus_id = _rep(globex, f"gus{run}")
    prefix = f"名{run}"
    beas, doras, rexs = f"{prefix}乙公司", f"{prefix}丁公司", f"{prefix}甲公司"
    ids = {
        name: call(
            acme, "POST", "/api/v1/customers", who=who, json={"kind": "company", "name": name}
        )["id"]
        for who, name in ((bea, beas), (dora, doras), (rex, rexs))
    }
    note = {"kind": "call", "content": f"Dora's call {run}"}
    call(acme, "POST", f"/api/v1/customers/{ids[doras]}/follow-ups", who=dora, json=note)
    # Dora hands her customer to Bea and leaves: her name stays on what she wrote.
    moved = {"ids": [ids[doras]], "owner_id": bea_id}
    call(acme, "POST", "/api/v1/customers/bulk/transfer", json=moved)
    call(acme, "POST", f"/api/v1/users/{dora_id}/disable")
    assert [u["name"] for u in call(acme, "GET", "/api/v1/users", who=rex)["items"]] == [
        rex.title()
    ]

    sign_in(page, base, acme, f"{rex}@{acme.slug}.example")
    page.goto(f"{base}/customers?f=name&op=contains&v={prefix}")
    expect(page.locator("#customer-list tr.record")).to_have_count(3)
    expect(_row(page, beas)).to_contain_text(bea.title())
    expect(_row(page, doras)).to_contain_text(bea.title())
    expect(page.locator("#customer-list")).not_to_contain_text("A colleague")  # placeholder

    # The picker: typing part of Bea's name leaves her alone, chosen; then the transfer.
    _tick(page, rexs)
    search = page.locator("#bulk-owner-search")
    expect(search).to_be_visible()
    search.fill(f"EA{run}")
    colleagues = page.locator("#bulk-owner option:not([value=''])")
    expect(colleagues).to_have_count(1)
    expect(colleagues).to_have_text(bea.title())
    expect(page.locator("#bulk-owner")).to_have_value(bea_id)
    search.press("Enter")  # searches again; never submits the transfer by itself
    expect(page.locator("#bulk-summary")).to_have_count(0)
    shot(page, "people-7-picker-search")
    page.click("#bulk-transfer")
    expect(page.locator("#bulk-summary")).to_have_text("1 transferred")
    expect(_row(page, rexs)).to_contain_text(bea.title())
    assert call(acme, "GET", f"/api/v1/customers/{ids[rexs]}")["owner_id"] == bea_id
    _tick(page, beas)
    search.fill(f"zz{run}")  # nobody: the picker says so
    expect(page.locator("#bulk-owner option[disabled]")).to_have_text("No colleague by that name")

    # The customer page names the owner and the timeline's author, who has left since.
    page.goto(f"{base}/customers/{ids[doras]}")
    expect(page.locator("#record")).to_contain_text(bea.title())
    entry = page.locator("ol.timeline li", has_text=f"Dora's call {run}")
    expect(entry).to_contain_text(dora.title())

    # On a phone the search field and the picker stack within the width.
    sign_in(phone, base, acme, f"{rex}@{acme.slug}.example")
    phone.goto(f"{base}/customers?f=name&op=contains&v={prefix}")
    _tick(phone, beas)
    phone.locator("#bulk-owner-search").fill(f"ea{run}")
    expect(phone.locator("#bulk-owner option:not([value=''])")).to_have_count(1)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    shot(phone, "people-8-phone-picker-search")

    # Globex: its admin finds only Globex's people and never sees Acme's customers.
    globexs = f"{prefix}戊公司"
    call(globex, "POST", "/api/v1/customers", json={"kind": "company", "name": globexs})
    sign_in(page, base, globex, globex.admin_email)
    page.goto(f"{base}/customers?f=name&op=contains&v={prefix}")
    expect(page.locator("#customer-list tr.record")).to_have_count(1)
    _tick(page, globexs)
    page.locator("#bulk-owner-search").fill(f"ea{run}")
    expect(page.locator("#bulk-owner option[disabled]")).to_have_count(1)  # 没有这个姓名的同事
    page.locator("#bulk-owner-search").fill(f"us{run}")
    expect(page.locator("#bulk-owner")).to_have_value(gus_id)
    for customer_id in ids.values():
        assert _status_as(globex, f"/api/v1/customers/{customer_id}") == 404
