"""The public pools (公海) in a real browser, in two tenants: a rep releases a customer with a
reason, another claims it (and meets the daily limit), a manager assigns two in bulk and
discards and restores one, and the countdown to reclaim shows on the list and the page."""

import re
from typing import Any

from playwright.sync_api import Page, expect
from web_testkit import Company, add_user, shot, sign_in

REP_PERMISSIONS = [
    "customers:view", "customers:create", "customers:update", "customers:claim_from_pool",
]  # fmt: skip


def _team(company: Company) -> dict[str, str]:
    """Two reps who see only their own customers; the admin manages pools. The default pool
    reclaims after 3 days without a follow-up (so every new customer is 3 days from it),
    reminds 2 days before, and allows one claim a day."""
    role = company.api(
        "POST",
        "/api/v1/roles",
        json={"name": "Pool rep", "permissions": REP_PERMISSIONS, "scopes": {"customers": "own"}},
    )
    ids = {who: add_user(company, who, role_ids=[role["id"]]) for who in ("prue", "paco")}
    pool = _default_pool(company)
    rules = {
        **pool["rules"], "reclaim_enabled": True, "no_follow_up_days": {"*": 3},
        "remind_days_before": 2, "claims_per_day": 1,
    }  # fmt: skip
    company.api("PATCH", f"/api/v1/pools/{pool['id']}", json={"rules": rules})
    ids["pool"] = pool["id"]
    return ids


def _default_pool(company: Company) -> dict[str, Any]:
    pools = company.api("GET", "/api/v1/pools")["items"]
    return dict(next(p for p in pools if p["is_default"]))


def _customer(company: Company, who: str, name: str, **fields: Any) -> str:
    body = {"kind": "company", "name": name, **fields}
    return str(company.api("POST", "/api/v1/customers", who=who, json=body)["id"])


def _release(company: Company, who: str, customer_id: str) -> None:
    company.api(
        "POST", f"/api/v1/customers/{customer_id}/release", who=who, json={"reason": "cold lead"}
    )


def _owner(company: Company, customer_id: str) -> Any:
    return company.api("GET", f"/api/v1/customers/{customer_id}")["owner_id"]


def _sign_out(page: Page) -> None:
    page.click("#sign-out")
    page.wait_for_load_state()


def test_release_claim_assign_and_the_countdown(
    page: Page, phone: Page, base: str, companies: tuple[Company, Company]
) -> None:
    acme, globex = companies
    team = {company.slug: _team(company) for company in companies}
    acme_team, globex_team = team[acme.slug], team[globex.slug]
    released = _customer(acme, "prue", "Acme Released Co", phone="13812345678")
    countdown = _customer(acme, "prue", "Acme Countdown Co")
    second = _customer(acme, "prue", "Acme Second Co")
    _release(acme, "prue", second)
    bulk = [_customer(acme, "prue", f"Acme Bulk {n}") for n in (1, 2)]
    for customer_id in bulk:
        _release(acme, "prue", customer_id)
    globex_pooled = _customer(globex, "prue", "环球公海客户", phone="13900001111")
    _release(globex, "prue", globex_pooled)
    globex_mine = _customer(globex, "prue", "环球倒计时客户")

    # Prue's list: the customers reclaim takes within the reminder window carry a badge.
    sign_in(page, base, acme, f"prue@{acme.slug}.example")
    page.goto(f"{base}/customers")
    row = page.locator("#customer-list tr.record", has_text="Acme Countdown Co")
    expect(row.locator(".reclaim-badge")).to_have_text(re.compile(r"^[23] days to pool$"))
    shot(page, "pools-1-list-badge")

    # Her customer's page counts down, and she releases it with a reason.
    page.goto(f"{base}/customers/{released}")
    expect(page.locator("#reclaim-when")).to_contain_text(
        re.compile(r"Returns to the pool in [23] days · \w+ \d+, \d{4}")
    )
    page.click("#open-release")
    page.fill("#release-reason", "   ")
    page.click("#release-customer")
    expect(page.locator("#err-release-reason")).to_be_visible()  # blank: refused beside it
    shot(page, "pools-2-release-form")
    page.fill("#release-reason", "No budget this year")
    page.click("#release-customer")
    expect(page.locator("#in-pool")).to_contain_text("In pool Default pool")
    expect(page.locator("#claim-customer")).to_be_visible()
    shot(page, "pools-3-released")
    assert _owner(acme, released) is None

    # It is in the pool, its phone masked; the other customer's countdown page too.
    page.goto(f"{base}/pools")
    page.click(f"#pool-list a[href='/pools/{acme_team['pool']}']")
    listed = page.locator("#pool-customers tr.record", has_text="Acme Released Co")
    expect(listed.locator(".phone")).to_have_text("138****5678")
    assert page.locator("#pool-customers").get_by_text("环球公海客户").count() == 0
    _sign_out(page)

    # Paco claims it on his phone; a second claim the same day is refused with the reason.
    sign_in(phone, base, acme, f"paco@{acme.slug}.example")
    phone.goto(f"{base}/pools")
    shot(phone, "pools-4-phone-pools")
    phone.goto(f"{base}/pools/{acme_team['pool']}")
    phone.locator(f"#claim-{released} button.claim").click()
    expect(phone.locator(f"#claim-{released}")).to_contain_text("Yours now")
    phone.locator(f"#claim-{second} button.claim").click()
    expect(phone.locator(f"#claim-{second} .refusal")).to_contain_text(
        "reached today's claim limit for this pool (1 a day)"
    )
    shot(phone, "pools-5-phone-claimed-and-refused")
    assert _owner(acme, released) == acme_team["paco"]
    assert _owner(acme, second) is None
    phone.locator(f"#claim-{released} a").click()
    expect(phone.locator("h1")).to_contain_text("Acme Released Co")
    expect(phone.locator(".facts")).to_contain_text("13812345678")  # whole again: his now
    expect(phone.locator("#reclaim-when")).to_contain_text("Returns to the pool in")
    expect(phone.locator("#open-release")).to_be_visible()
    shot(phone, "pools-6-phone-detail")

    # The manager's list asks for exactly its rows: Prue's customer carries its badge there too.
    sign_in(page, base, acme, acme.admin_email)
    page.goto(f"{base}/customers")
    row = page.locator("#customer-list tr.record", has_text="Acme Countdown Co")
    expect(row.locator(".reclaim-badge")).to_have_text(re.compile(r"^[23] days to pool$"))

    # The manager assigns two pooled customers to Prue in one go.
    page.goto(f"{base}/pools/{acme_team['pool']}")

    page.click("#bulk-assign")  # nothing picked: said beside the bar, nothing moved
    expect(page.locator("#pool-error")).to_be_visible()
    for customer_id in bulk:
        page.check(f"input[name=customer_ids][value='{customer_id}']")
    expect(page.locator("#bulk-selected")).to_have_text("2 selected")
    page.locator("#assign-owner-search").fill("PRU")  # typing part of her name finds her
    expect(page.locator("#assign-owner option:not([value=''])")).to_have_text(["Prue"])
    expect(page.locator("#assign-owner")).to_have_value(acme_team["prue"])
    shot(page, "pools-7-bulk-assign")
    page.click("#bulk-assign")
    expect(page.locator("#pool-notice")).to_have_text("Customers assigned: 2.")
    assert [_owner(acme, c) for c in bulk] == [acme_team["prue"]] * 2
    # Discard the other to the trash with a reason, then restore it from there.
    page.check(f"input[name=customer_ids][value='{second}']")
    page.fill("input[name=reason]", "Duplicate lead")
    page.click("#bulk-discard")
    expect(page.locator("#pool-notice")).to_have_text("Customers moved to the trash: 1.")
    page.click("#pool-trash")
    page.check(f"input[name=customer_ids][value='{second}']")
    page.click("#bulk-restore")
    expect(page.locator("#pool-notice")).to_have_text("Customers restored to the pool: 1.")
    page.goto(f"{base}/pools/{acme_team['pool']}")
    expect(page.locator(f"tr[data-customer='{second}']")).to_be_visible()
    shot(page, "pools-8-manager")
    # Globex's pool and customers are not Acme's to see.
    page.goto(f"{base}/pools/{globex_team['pool']}")
    expect(page.locator("h1")).to_have_text("Not found")
    page.goto(f"{base}/customers/{globex_mine}/reclaim")
    assert page.locator("#reclaim-countdown").inner_text() == ""
    page.goto(f"{base}/pools")
    _sign_out(page)

    # Globex, in Chinese: its own pool only, and the countdown in its words.
    sign_in(page, base, globex, f"prue@{globex.slug}.example")
    page.goto(f"{base}/pools/{globex_team['pool']}")
    expect(page.locator("#pool-customers")).to_contain_text("环球公海客户")
    expect(page.locator(f"#claim-{globex_pooled} button")).to_have_text("领取")
    expect(page.locator("h1")).to_contain_text("默认公海")  # the seeded name, in Chinese
    for name in ("Acme Released Co", "Acme Second Co", "Acme Bulk"):
        assert page.locator("#pool-customers").get_by_text(name).count() == 0
    shot(page, "pools-9-globex-pool")
    page.goto(f"{base}/customers/{globex_mine}")
    expect(page.locator("#reclaim-when")).to_contain_text(re.compile(r"[23] 天后回收到公海"))
    shot(page, "pools-10-globex-countdown")
    page.goto(f"{base}/customers")
    row = page.locator("#customer-list tr.record", has_text="环球倒计时客户")
    expect(row.locator(".reclaim-badge")).to_have_text(re.compile(r"^[23] 天后回收$"))
    assert page.locator("#customer-list").get_by_text("Acme Countdown Co").count() == 0
    page.goto(f"{base}/pools/{acme_team['pool']}")
    expect(page.locator("h1")).not_to_contain_text(re.compile("Default pool|默认公海"))
    assert page.locator("#pool-customers").count() == 0
    page.goto(f"{base}/customers/{countdown}")
    assert page.locator("#reclaim-countdown").count() == 0
    assert globex.api("GET", f"/api/v1/pools/{globex_team['pool']}")["customer_count"] == 1

    # The manager's pool page on a phone: cards with their checkboxes, the bulk bar stacked.
    _sign_out(phone)
    sign_in(phone, base, acme, acme.admin_email)
    phone.goto(f"{base}/pools/{acme_team['pool']}")
    phone.check(f"input[name=customer_ids][value='{second}']")
    expect(phone.locator("#bulk-selected")).to_have_text("1 selected")
    shot(phone, "pools-11-phone-manager")
