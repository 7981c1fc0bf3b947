"""The dashboard's charts and the customer map, in a browser that may reach nothing but this
machine: ECharts and the province boundaries are shipped, so both draw offline."""

import json

from console_admin_testkit import call, offline_page
from playwright.sync_api import Browser, expect
from web_testkit import Company, poll, shot, sign_in

ACME_CUSTOMERS = (
    ("广州珠江贸易有限公司", "广东省", "广州"),
    ("深圳南山科技有限公司", "广东", "深圳"),
    ("北京朝阳咨询有限公司", "北京市", "北京"),
    ("杭州西湖电商有限公司", "浙江省", "杭州"),
)


def _keys(company: Company, kind: str) -> list[str]:
    return [item["key"] for item in call(company, "GET", f"/api/v1/categories/{kind}")["items"]]


def _seed(company: Company, rows: tuple[tuple[str, str, str], ...]) -> None:
    levels, sources = _keys(company, "level"), _keys(company, "source")
    for n, (name, province, city) in enumerate(rows):
        body = {"kind": "company", "name": name, "province": province, "city": city}
        if levels:
            body["level"] = levels[n % len(levels)]
        if sources:
            body["source"] = sources[n % len(sources)]
        call(company, "POST", "/api/v1/customers", json=body)


def test_dashboard_charts_and_map_draw_with_no_network(
    browser: Browser, console: list[str], base: str, companies: tuple[Company, Company]
) -> None:
    acme, globex = companies
    _seed(acme, ACME_CUSTOMERS)
    _seed(globex, (("乌鲁木齐天山物流有限公司", "新疆维吾尔自治区", "乌鲁木齐"),))

    def indexed() -> bool:
        report = call(acme, "GET", "/api/v1/reports/customers", params={"by": "province"})
        return int(report["total"]) >= len(ACME_CUSTOMERS)

    assert poll(indexed, timeout=60)

    with offline_page(browser, console) as (page, attempts):
        sign_in(page, base, acme, acme.admin_email)
        # The home page loads the charts after the follow-ups.
        for chart in ("level", "source", "province", "weekly"):
            expect(page.locator(f"#chart-{chart}[data-ready=true]")).to_be_visible(timeout=20_000)
        province = page.locator("#chart-province")
        labels = json.loads(province.get_attribute("data-labels") or "[]")
        values = json.loads(province.get_attribute("data-values") or "[]")
        assert sum(values) >= len(ACME_CUSTOMERS)
        assert not [label for label in labels if "新疆" in label]
        assert page.locator("#chart-level canvas").count() == 1
        shot(page, "dashboard-1-charts")

        # The province heat view: China's boundaries from our own server, no tiles.
        page.click("#open-map")
        expect(page.locator("#customer-map[data-ready=true]")).to_be_visible(timeout=20_000)
        drawn = page.evaluate(
            """() => {
                const chart = echarts.getInstanceByDom(document.getElementById('customer-map'));
                const series = chart.getOption().series[0];
                return {registered: !!echarts.getMap('china'), type: series.type,
                        data: series.data};
            }"""
        )
        assert drawn["registered"]
        assert drawn["type"] == "map"
        counts = {item["name"]: item.get("value") for item in drawn["data"] if item.get("value")}
        assert counts["广东"] >= 2
        assert counts["北京"] >= 1
        assert counts["浙江"] >= 1
        assert "新疆" not in counts  # the other tenant's customer
        shot(page, "dashboard-2-map-heat")

        # Points: clusters from the customers service, the other tenant's never among them.
        page.click("#view-points")
        expect(page.locator("#customer-map[data-clusters-loaded]")).to_be_visible(timeout=20_000)
        clusters = page.evaluate(
            """() => echarts.getInstanceByDom(document.getElementById('customer-map'))
                     .getOption().series[0].data"""
        )
        assert sum(point["value"][2] for point in clusters) >= len(ACME_CUSTOMERS)
        assert "乌鲁木齐" not in json.dumps(clusters, ensure_ascii=False)
        shot(page, "dashboard-3-map-points")

        assert attempts == [], attempts
    trouble = [line for line in console if "Failed to load resource" not in line]
    assert trouble == [], trouble
