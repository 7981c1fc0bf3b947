"""The web console's customer list with 1,000,000 customers in the tenant: what a browser
downloads and how long until it shows the first screen.

A whole stack (gateway, services, web console) on offset 5000; one tenant signs up and gets
N customers (default 1,000,000) seeded straight into its schema, with phones, provinces and
levels like real data. Debian's Chromium (headless) then opens the list cold — a new browser
context each time, nothing cached but the session cookie — for the default list (newest
first), a filter on level, a filter on province and a sort by name, several times each.
Reported per view: HTML and asset bytes (uncompressed, as served), the server's answer time
(request start to first byte), first contentful paint, and the medians over the runs.

Run: `python bench/web_list_bench.py [--customers N] [--runs R]` (servers up, `make browser`).
"""

import argparse
import json
import os
import statistics
import time
import uuid

import httpx

# A sibling script (bench/ is the script's own folder, first on sys.path).
from customers_scale import PASSWORD, sign_up
from playwright.sync_api import Browser, sync_playwright
from sqlalchemy import create_engine, text

from crmkit.settings import Settings
from crmkit.tenancy import schema_for
from crmkit.testing.databases import test_database_url
from crmkit.testing.stack import start_stack

CHROMIUM = "/usr/bin/chromium"
PROVINCES = ("广东省", "浙江省", "江苏省", "北京市", "上海市", "四川省", "湖北省", "山东省")
VIEWS = {
    "newest first (default)": "/customers",
    "filter level = L1": "/customers?f=level&op=eq&v=L1",
    "filter province = 浙江省": "/customers?f=province&op=eq&v=浙江省",
    "sort by name": "/customers?sort=name",
    "sort by province, descending": "/customers?sort=-province",
    "sort by level": "/customers?sort=level",
}
METRICS = """() => {
    const nav = performance.getEntriesByType("navigation")[0];
    const resources = performance.getEntriesByType("resource");
    const paint = performance.getEntriesByName("first-contentful-paint")[0];
    return {
      html_bytes: nav.encodedBodySize,
      asset_bytes: resources.reduce((sum, r) => sum + r.encodedBodySize, 0),
      server_ms: nav.responseStart - nav.requestStart,
      first_paint_ms: paint ? paint.startTime : null,
      rows: document.querySelectorAll("#customer-list tr.record").length,
    };
}"""


def seed(url: str, tenant_id: str, owner_id: str, count: int) -> float:
    schema = schema_for(uuid.UUID(tenant_id))
    provinces = "ARRAY[" + ",".join(f"'{p}'" for p in PROVINCES) + "]"
    statement = text(
        f"""
        INSERT INTO "{schema}".customers
          (id, kind, name, name_key, phones, emails, province, level, status, tags, owner_id,
           custom, collaborator_ids, version, created_at, updated_at, next_follow_up_at)
        SELECT gen_random_uuid(), 'company', '客户' || n || '有限公司', 'kehu' || n,
               jsonb_build_array('138' || lpad((n % 100000000)::text, 8, '0')), '[]',
               ({provinces})[1 + n % {len(PROVINCES)}], 'L' || (n % 3), 'potential', '[]',
               :owner, '{{}}', '[]', 1,
               now() - make_interval(secs => n), now() - make_interval(secs => n),
               now() + make_interval(days => n % 30)
        FROM generate_series(1, :count) AS n
        """
    )
    engine = create_engine(url)
    began = time.perf_counter()
    with engine.begin() as connection:
        connection.execute(statement, {"owner": uuid.UUID(owner_id), "count": count})
        connection.execute(text(f'ANALYZE "{schema}".customers'))
    engine.dispose()
    return time.perf_counter() - began


def sign_in_state(browser: Browser, base: str, slug: str) -> object:
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    page.goto(f"{base}/sign-in")
    page.fill("input[name=tenant]", slug)
    page.fill("input[name=email]", f"admin@{slug}.example")
    page.fill("input[name=password]", PASSWORD)
    page.click("form.stack button[type=submit]")
    page.wait_for_load_state()
    if "/sign-in" in page.url:
        raise RuntimeError(f"sign-in failed: {page.content()[:500]}")
    state = context.storage_state()
    context.close()
    return state


def measure(browser: Browser, base: str, state: object, path: str) -> dict[str, float]:
    context = browser.new_context(storage_state=state, locale="zh-CN")  # type: ignore[arg-type]
    page = context.new_page()
    page.goto(f"{base}{path}", wait_until="load", timeout=120_000)
    page.wait_for_timeout(300)  # first-contentful-paint is recorded just after load
    result: dict[str, float] = page.evaluate(METRICS)
    context.close()
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    os.environ.update(
        {
            "CRM_GATEWAY_RATE_IP_PER_MINUTE": "10000000",
            "CRM_GATEWAY_RATE_AUTH_IP_PER_MINUTE": "10000000",
        }
    )
    settings = Settings()
    stack = start_stack(settings, name="bench_weblist", offset=5000)
    try:
        http = httpx.Client(base_url=stack.gateway_url, timeout=60)
        slug, tenant_id = sign_up(http)
        token = (
            http.post(
                "/api/v1/auth/login",
                json={"tenant": slug, "email": f"admin@{slug}.example", "password": PASSWORD},
            )
            .raise_for_status()
            .json()["access_token"]
        )
        me = http.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).json()
        url = test_database_url(settings, "bench_weblist_customers")
        took = seed(url, tenant_id, me["user"]["id"], args.customers)
        print(f"seeded {args.customers:,} customers in {took:.1f}s", flush=True)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
            state = sign_in_state(browser, stack.gateway_url, slug)
            print(
                f"\ncustomer list, {args.customers:,} customers in the tenant, cold browser, "
                f"median of {args.runs} (2 cores shared by stack, servers and browser)"
            )
            for name, path in VIEWS.items():
                measure(browser, stack.gateway_url, state, path)  # warm the server's caches
                runs = [measure(browser, stack.gateway_url, state, path) for _ in range(args.runs)]
                median = {
                    key: statistics.median(r[key] for r in runs if r[key] is not None)
                    for key in ("html_bytes", "asset_bytes", "server_ms", "first_paint_ms")
                }
                print(
                    f"  {name:26s} rows {runs[0]['rows']:3.0f}  "
                    f"HTML {median['html_bytes'] / 1000:5.1f} KB + assets "
                    f"{median['asset_bytes'] / 1000:5.1f} KB   server {median['server_ms']:6.0f} ms"
                    f"   first paint {median['first_paint_ms']:6.0f} ms",
                    flush=True,
                )
                print("    runs:", json.dumps([round(r["first_paint_ms"] or 0) for r in runs]))
            browser.close()
    finally:
        stack.stop()


if __name__ == "__main__":
    main()
