"""The aggregated OpenAPI document and the docs page that reads it."""

import re

import httpx
from gateway_testkit import MakeGateway, Upstreams


def test_aggregated_openapi_has_each_service_paths_it_owns(gateway: str) -> None:
    response = httpx.get(f"{gateway}/api/openapi.json")
    assert response.status_code == 200
    document = response.json()
    paths = document["paths"]
    assert "/api/v1/customers/{customer_id}" in paths
    assert "/api/v1/leads/{lead_id}/items" in paths
    assert "/api/v1/signup/{slug}" in paths
    assert "/api/v1/internal-only" not in paths, "customers does not own that resource"
    assert document["info"]["x-unavailable-services"] == ["files"]


def test_colliding_component_names_are_prefixed_per_service(gateway: str) -> None:
    document = httpx.get(f"{gateway}/api/openapi.json").json()
    schemas = document["components"]["schemas"]
    assert "Customer" in schemas
    customers_ok = document["paths"]["/api/v1/customers/{customer_id}/items"]["get"]["responses"][
        "200"
    ]["content"]["application/json"]["schema"]
    sales_ok = document["paths"]["/api/v1/leads/{lead_id}/items"]["get"]["responses"]["200"][
        "content"
    ]["application/json"]["schema"]
    customers_item = customers_ok["items"]["$ref"].rsplit("/", 1)[1]
    sales_item = sales_ok["items"]["$ref"].rsplit("/", 1)[1]
    assert (customers_item, sales_item) == ("customers.Item", "sales.Item")
    assert "Item" not in schemas
    assert list(schemas[customers_item]["properties"]) == ["sku"]
    assert list(schemas[sales_item]["properties"]) == ["amount"]
    assert "Money" in schemas, "a definition two services share alike keeps its name"


def test_operations_say_whether_they_need_a_token(gateway: str) -> None:
    paths = httpx.get(f"{gateway}/api/openapi.json").json()["paths"]
    assert paths["/api/v1/signup/{slug}"]["get"]["security"] == []
    assert paths["/api/v1/customers/{customer_id}"]["get"]["security"] == [{"bearerAuth": []}]


def test_openapi_is_cached_briefly(make_gateway: MakeGateway, upstreams: Upstreams) -> None:
    gateway = make_gateway(openapi_cache_seconds=60)
    first = httpx.get(f"{gateway}/api/openapi.json").json()
    assert httpx.get(f"{gateway}/api/openapi.json").json() == first


def test_docs_page_needs_nothing_from_elsewhere(gateway: str) -> None:
    page = httpx.get(f"{gateway}/api/docs")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    sources = re.findall(r'(?:src|href)="([^"]*)"', page.text)
    assert sources, "the page loads its script and style"
    assert all(source.startswith("/") and not source.startswith("//") for source in sources)
    csp = page.headers["content-security-policy"]
    assert "default-src 'self'" in csp
    for source in sources:
        asset = httpx.get(f"{gateway}{source}")
        assert asset.status_code == 200, source
        assert "http://" not in asset.text.replace("http://127", "")
        assert "https://" not in asset.text
    assert httpx.get(f"{gateway}/api/docs/../app.py").status_code == 404
    assert httpx.get(f"{gateway}/api/docs/index.html").status_code == 404
