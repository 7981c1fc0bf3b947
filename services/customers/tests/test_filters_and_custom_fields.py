"""Finding customers: one filter syntax on standard and custom fields, sorting by any
shown field, cursors that hold under concurrent inserts, exact or estimated totals; and
custom fields validated on write, unique under concurrent writers, hidden when removed."""

import json
import threading
import uuid
from typing import Any

import pytest
from customers_testkit import Org
from sqlalchemy import select, text

from crm_customers.custom_fields import service as custom_fields
from crm_customers.custom_fields.schemas import Entity
from crm_customers.customers.models import Customer
from crm_customers.customers.repository import live
from crm_customers.customers.service import standard_filterables
from crm_customers.settings import get_customers_settings
from crmkit.filters import Explain, condition, parse_filter
from crmkit.pagination import SortKey, paginate
from crmkit.tenancy import tenant_context


def define(org: Org, key: str, type_: str, **extra: Any) -> dict[str, Any]:
    body = {"entity": "customer", "key": key, "label": key.title(), "type": type_, **extra}
    return org.created("/api/v1/custom-fields", body)


def test_filters_on_standard_and_custom_fields(acme: Org) -> None:
    define(acme, "revenue", "money")
    define(acme, "region", "single_select", options=["north", "south"])
    define(acme, "signed_on", "date")
    define(acme, "lines", "multi_select", options=["hw", "sw", "svc"])
    acme.customer(
        "Alpha Ltd", level="a", custom={"revenue": 100, "region": "north", "lines": ["hw"]}
    )
    acme.customer(
        "Beta Ltd",
        level="b",
        city="Shanghai",
        custom={
            "revenue": "2500.5",
            "region": "south",
            "signed_on": "2026-01-05",
            "lines": ["sw", "svc"],
        },
    )
    acme.customer("Gamma Inc", level="a", custom={"revenue": 30, "signed_on": "2025-12-31"})

    def names(*filters: str, sort: str | None = None) -> list[str]:
        params: dict[str, Any] = {"filter": list(filters), "limit": 50}
        if sort:
            params["sort"] = sort
        response = acme.get("/api/v1/customers", params=params)
        assert response.status_code == 200, response.text
        return [c["name"] for c in response.json()["items"]]

    assert set(names("level:eq:a")) == {"Alpha Ltd", "Gamma Inc"}
    assert names("level:eq:a", "custom.region:eq:north") == ["Alpha Ltd"]
    assert set(names("custom.revenue:gt:50")) == {"Alpha Ltd", "Beta Ltd"}  # numbers, not text
    assert names("custom.revenue:between:50,200") == ["Alpha Ltd"]
    assert names("revenue:lte:30") == ["Gamma Inc"]
    assert names("custom.signed_on:gte:2026-01-01") == ["Beta Ltd"]
    assert set(names("custom.region:in:north,south")) == {"Alpha Ltd", "Beta Ltd"}
    assert names("custom.region:is_empty") == ["Gamma Inc"]
    assert names("custom.lines:eq:svc") == ["Beta Ltd"]
    assert set(names("name:contains:ltd")) == {"Alpha Ltd", "Beta Ltd"}
    assert names("name:starts_with:gam") == ["Gamma Inc"]
    assert set(names("city:ne:Shanghai")) == {"Alpha Ltd", "Gamma Inc"}
    assert names("city:is_empty:false") == ["Beta Ltd"]
    assert names(sort="-custom.revenue") == ["Beta Ltd", "Alpha Ltd", "Gamma Inc"]
    assert names(sort="custom.revenue") == ["Gamma Inc", "Alpha Ltd", "Beta Ltd"]
    assert names(sort="name") == ["Alpha Ltd", "Beta Ltd", "Gamma Inc"]
    for bad in ("nope:eq:1", "level:like:a", "custom.revenue:gt:lots", "level"):
        response = acme.get("/api/v1/customers", params={"filter": bad})
        assert response.status_code == 422, bad
        assert response.json()["errors"][0]["field"] == "filter"
    assert acme.get("/api/v1/customers", params={"sort": "nope"}).status_code == 422


def test_cursor_pages_hold_under_concurrent_inserts(acme: Org) -> None:
    for i in range(7):
        acme.customer(f"Paged {i}")
    seen: list[str] = []
    cursor = None
    first = True
    while True:
        params: dict[str, Any] = {"limit": 3, "sort": "name"}
        if cursor:
            params["cursor"] = cursor
        page = acme.get("/api/v1/customers", params=params).json()
        if first:
            assert page["total"] == 7
            assert page["total_is_estimate"] is False
            acme.customer("Paged 0 inserted before the cursor")  # sorts before what's left
            first = False
        seen += [c["name"] for c in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == [f"Paged {i}" for i in range(7)]


def test_large_totals_are_estimates(acme: Org, monkeypatch: pytest.MonkeyPatch) -> None:
    for i in range(4):
        acme.customer(f"Counted {i}")
    monkeypatch.setattr(get_customers_settings(), "exact_total_limit", 2)
    page = acme.get("/api/v1/customers", params={"limit": 1}).json()
    assert page["total_is_estimate"] is True
    assert page["total"] >= 3
    monkeypatch.setattr(get_customers_settings(), "exact_total_limit", 100)
    page = acme.get("/api/v1/customers", params={"limit": 1}).json()
    assert page["total_is_estimate"] is False
    assert page["total"] == 4


def test_custom_values_are_validated_naming_the_field(acme: Org) -> None:
    define(acme, "size", "number", required=True, help_text="Head count")
    define(acme, "site", "url")
    define(acme, "contact_mail", "email")
    define(acme, "tier", "single_select", options=["gold", "silver"], default="silver")
    define(acme, "due", "datetime")
    # The code lets the web console say the reason in the user's language.
    cases = {
        "size": ({"site": "https://x.example"}, "missing"),  # required and missing
        "custom.size": ({"size": "many"}, "not_number"),
        "custom.site": ({"size": 1, "site": "ftp://x"}, "invalid_url"),
        "custom.contact_mail": ({"size": 1, "contact_mail": "nope"}, "invalid_email"),
        "custom.tier": ({"size": 1, "tier": "bronze"}, "not_one_of"),
        "custom.due": ({"size": 1, "due": "2026-01-01T10:00:00"}, "needs_time_zone"),
        "custom.unknown": ({"size": 1, "unknown": 1}, None),
    }
    for field, (custom, code) in cases.items():
        response = acme.post(
            "/api/v1/customers", {"kind": "company", "name": "V", "custom": custom}
        )
        assert response.status_code == 422, (field, response.text)
        expected = "custom.size" if field == "size" else field
        assert response.json()["errors"][0]["field"] == expected
        assert response.json()["errors"][0].get("code") == code, response.text
    ok = acme.customer("Valid Co", custom={"size": 12, "due": "2026-01-01T10:00:00+08:00"})
    assert ok["customer"]["custom"] == {
        "size": 12,
        "tier": "silver",
        "due": "2026-01-01T02:00:00+00:00",
    }


def test_concurrent_creates_of_one_unique_value_one_wins(acme: Org) -> None:
    define(acme, "tax_no", "text", unique=True)
    barrier = threading.Barrier(2)
    results: list[int] = []

    def create(name: str) -> None:
        barrier.wait()
        response = acme.post(
            "/api/v1/customers",
            {"kind": "company", "name": name, "custom": {"tax_no": "91110000X"}},
        )
        results.append(response.status_code)

    threads = [threading.Thread(target=create, args=(n,)) for n in ("One Co", "Two Co")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [201, 409]
    # Case and spaces do not make another value; freeing it lets another record take it.
    again = acme.post(
        "/api/v1/customers",
        {"kind": "company", "name": "Three", "custom": {"tax_no": " 91110000x"}},
    )
    assert again.status_code == 409
    assert again.json()["field"] == "custom.tax_no"
    holder = acme.get("/api/v1/customers", params={"filter": "custom.tax_no:eq:91110000X"}).json()
    [held] = holder["items"]
    acme.patch(f"/api/v1/customers/{held['id']}", {"custom": {"tax_no": "OTHER"}})
    acme.customer("Three", custom={"tax_no": "91110000X"})


def test_removed_fields_hide_values_until_purged(acme: Org) -> None:
    field = define(acme, "legacy", "text")
    customer = acme.customer("Legacy Co", custom={"legacy": "old"})
    path = f"/api/v1/customers/{customer['id']}"
    assert acme.delete(f"/api/v1/custom-fields/{field['id']}").status_code == 200
    assert acme.get(path).json()["custom"] == {}
    assert (
        acme.get("/api/v1/customers", params={"filter": "custom.legacy:eq:old"}).status_code == 422
    )
    again = acme.post(
        "/api/v1/custom-fields",
        {"entity": "customer", "key": "legacy", "label": "L", "type": "text"},
    )
    assert again.status_code == 409  # its values still exist
    assert acme.post(f"/api/v1/custom-fields/{field['id']}/purge").status_code == 204
    define(acme, "legacy", "text")
    assert acme.get(path).json()["custom"] == {}  # the old value is gone for good


def test_only_admins_define_fields(acme: Org) -> None:
    acme.add_user("rita", roles=("sales_rep",))
    response = acme.post(
        "/api/v1/custom-fields",
        {"entity": "customer", "key": "x", "label": "X", "type": "text"},
        as_="rita",
    )
    assert response.status_code == 403


def test_custom_equality_filters_are_answered_by_the_index(acme: Org) -> None:
    """`custom.<key>:eq|in` must stay fast on a million customers: PostgreSQL answers them
    from the GIN index on the custom values instead of reading every row."""
    define(acme, "region", "single_select", options=["north", "south"])
    define(acme, "lines", "multi_select", options=["hw", "sw"])
    define(acme, "vip", "checkbox")
    with tenant_context(uuid.UUID(acme.tenant_id)), acme.world.db.tenant_session() as session:
        fields = custom_fields.filterables(session, entity=Entity.CUSTOMER, column=Customer.custom)
        session.execute(text("SET LOCAL enable_seqscan = off"))
        for raw in ("custom.region:eq:north", "region:in:north,south", "custom.lines:eq:hw"):
            clause = parse_filter(raw)
            query = select(Customer.id).where(condition(clause, fields[clause.field]))
            plan = json.dumps(session.execute(Explain(query)).scalar())
            assert "ix_customers_custom" in plan, f"{raw}: {plan}"
    acme.customer("Vip Co", custom={"vip": True, "region": "north", "lines": ["hw", "sw"]})
    acme.customer("Plain Co", custom={"vip": False, "region": "south"})
    listed = acme.names("/api/v1/customers", filter=["custom.vip:eq:true", "lines:eq:sw"])
    assert listed == {"Vip Co"}


# Ascending, and descending where the column is never NULL, read `(column, id)` either way;
# a nullable column's descending order (NULLS LAST, as the list keeps empties at the end)
# needs its own `(column DESC NULLS LAST, id DESC)`.
SORT_INDEXES = {
    "name": ("ix_customers_sort_name", "ix_customers_sort_name"),
    "created_at": ("ix_customers_sort_created_at", "ix_customers_sort_created_at"),
    "status": ("ix_customers_sort_status", "ix_customers_sort_status"),
    **{
        column: (f"ix_customers_sort_{column}", f"ix_customers_sort_{column}_desc")
        for column in ("level", "province", "next_follow_up_at", "potential_score")
    },
}


def node_types(plan: Any) -> set[str]:
    if isinstance(plan, list):
        return set().union(*(node_types(p) for p in plan))
    if not isinstance(plan, dict):
        return set()
    found = {plan["Node Type"]} if "Node Type" in plan else set()
    return found.union(*(node_types(v) for v in plan.values() if isinstance(v, (dict, list))))


@pytest.mark.parametrize("column", sorted(SORT_INDEXES))
def test_sorted_list_pages_are_read_in_index_order(acme: Org, column: str) -> None:
    """Sorting a million customers by a column the list offers must not sort every row for
    each page: the list's own keyset order (nulls last, `id` breaking ties) is read from an
    index, either direction."""
    target = standard_filterables()[column]
    with tenant_context(uuid.UUID(acme.tenant_id)), acme.world.db.tenant_session() as session:
        session.execute(text("SET LOCAL enable_sort = off"))
        for descending, index in zip((False, True), SORT_INDEXES[column], strict=True):
            key = SortKey(
                column=target.column, id_column=Customer.id.expression, descending=descending
            )
            query = paginate(live().with_only_columns(Customer.id), key=key, limit=25, cursor=None)
            plan = session.execute(Explain(query)).scalar()
            direction = "desc" if descending else "asc"
            assert f'"Index Name": "{index}"' in json.dumps(plan), f"{column} {direction}: {plan}"
            assert not node_types(plan) & {"Sort", "Incremental Sort"}, f"{column} {direction}"
