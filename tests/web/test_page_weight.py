"""What the customer list costs a browser: bytes over the wire and time to first render."""

import json

from playwright.sync_api import Page, expect
from web_testkit import SCREENSHOTS, Company, shot, sign_in

CUSTOMERS = 120
# HTML, stylesheets, HTMX and our scripts as sent (assets compressed): a light page is part of
# the brief (about 40 KB when measured; 85 KB before assets were compressed).
MAX_PAGE_BYTES = 80_000


def test_customer_list_weight_and_first_render(
    page: Page, base: str, companies: tuple[Company, Company]
) -> None:
    _, globex = companies  # a tenant of its own data: the other tests add to Acme's
    for n in range(CUSTOMERS):
        globex.api(
            "POST",
            "/api/v1/customers",
            json={
                "kind": "company",
                "name": f"量测客户 {n:03d} 有限公司",
                "phone": f"1370000{n:04d}",
            },
        )
    sign_in(page, base, globex, globex.admin_email)
    # A browser with nothing cached yet (only the session cookie): the first visit's weight.
    assert page.context.browser is not None
    cold = page.context.browser.new_context(storage_state=page.context.storage_state())
    page = cold.new_page()
    page.goto(f"{base}/customers")
    expect(page.locator("#customer-list tr.record")).to_have_count(25)
    metrics = page.evaluate(
        """() => {
        const nav = performance.getEntriesByType("navigation")[0];
        const resources = performance.getEntriesByType("resource");
        const paint = performance.getEntriesByName("first-contentful-paint")[0];
        return {
          html_bytes: nav.encodedBodySize,
          asset_bytes: resources.reduce((sum, r) => sum + r.encodedBodySize, 0),
          assets: resources.map(r => r.name.replace(location.origin, "")),
          server_ms: Math.round(nav.responseStart - nav.requestStart),
          first_contentful_paint_ms: paint ? Math.round(paint.startTime) : null,
          dom_content_loaded_ms: Math.round(nav.domContentLoadedEventEnd),
        };
    }"""
    )
    metrics["customers_in_tenant"] = CUSTOMERS
    metrics["rows_shown"] = 25
    metrics["total_bytes"] = metrics["html_bytes"] + metrics["asset_bytes"]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    (SCREENSHOTS / "customer-list-metrics.json").write_text(json.dumps(metrics, indent=2))
    shot(page, "weight-1-customer-list")
    assets = {name.partition("?")[0]: name for name in metrics["assets"]}
    assert all(name.startswith("/static/") for name in assets), assets  # nothing from elsewhere
    for main in ("/static/app.css", "/static/app.js", "/static/vendor/htmx.min.js"):
        assert "?v=" in assets[main], assets  # fingerprinted: kept by the browser for a year
    assert metrics["total_bytes"] < MAX_PAGE_BYTES, metrics
    assert metrics["first_contentful_paint_ms"] is not None
    cold.close()
