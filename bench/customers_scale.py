"""Customers at scale: one tenant with N customers (default 1,000,000) beside M small tenants
(default 1,000), through the gateway at concurrency 32.

Measures p50/p95 of: list page 1 filtered on an indexed field (`owner_id`, with the default
sort on the `(updated_at, id)` index) and on a custom field, detail, create and update; and
the same list query run as plain SQL on the same database, as a ratio (how close the API is
to the floor). Customers are seeded with one INSERT ... SELECT generate_series (fast); the
small tenants get the customers schema only (they are not needed elsewhere for this).

Run: `python bench/customers_scale.py [--customers N] [--tenants M]` (servers up).
The stack is named `bench_customers` on offset 4000 (gateway 22000, customers 22102).
"""

import argparse
import itertools
import os
import statistics
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import httpx
from sqlalchemy import MetaData, Table, Uuid, create_engine, func, literal, select, text
from sqlalchemy.dialects.postgresql import JSONB

from crmkit.migrations import MigrationStreams, provision_tenant
from crmkit.settings import Settings
from crmkit.tenancy import schema_for
from crmkit.testing.databases import test_database_url
from crmkit.testing.stack import start_stack

PASSWORD = "Bench-Passw0rd!"  # noqa: S105 - a throw-away tenant's admin
CONCURRENCY = 32
REQUESTS = 640


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[int(len(ordered) * 0.95) - 1]


def measure_at_concurrency(
    call: Callable[[int], None], *, requests: int = REQUESTS
) -> tuple[float, float]:
    def timed(i: int) -> float:
        began = time.perf_counter()
        call(i)
        return (time.perf_counter() - began) * 1000

    for i in range(CONCURRENCY):  # warm-up
        call(i)
    with ThreadPoolExecutor(CONCURRENCY) as pool:
        return percentiles(list(pool.map(timed, range(requests))))


def sign_up(http: httpx.Client) -> tuple[str, str]:
    slug = f"big-{uuid.uuid4().hex[:6]}"
    body = {
        "company_name": "Big Co",
        "slug": slug,
        "admin_email": f"admin@{slug}.example",
        "admin_password": PASSWORD,
        "admin_name": "Big Admin",
        "locale": "zh-CN",
    }
    tenant_id = http.post("/api/v1/signup", json=body).raise_for_status().json()["tenant_id"]
    while http.get(f"/api/v1/signup/{slug}").json()["status"] == "provisioning":
        time.sleep(0.2)
    return slug, tenant_id


def seed_customers(url: str, tenant_id: str, owner_id: str, count: int) -> float:
    engine = create_engine(url)
    customers = Table(
        "customers", MetaData(), autoload_with=engine, schema=schema_for(uuid.UUID(tenant_id))
    )
    value = func.generate_series(1, count).column_valued("n")
    began = time.perf_counter()
    with engine.begin() as connection:
        connection.execute(
            customers.insert().from_select(
                [
                    "id",
                    "kind",
                    "name",
                    "name_key",
                    "level",
                    "status",
                    "owner_id",
                    "custom",
                    "version",
                    "created_at",
                    "updated_at",
                ],
                select(
                    func.gen_random_uuid(),
                    literal("company"),
                    func.concat("客户", value, "有限公司"),
                    func.concat("kehu", value),
                    func.concat("L", value % 3),
                    literal("potential"),
                    literal(uuid.UUID(owner_id), Uuid()),
                    func.jsonb_build_object("region", func.concat("R", value % 100), type_=JSONB),
                    literal(1),
                    func.now() - func.make_interval(0, 0, 0, 0, 0, 0, value),
                    func.now() - func.make_interval(0, 0, 0, 0, 0, 0, value),
                ),
            )
        )
        connection.execute(text(f'ANALYZE "{schema_for(uuid.UUID(tenant_id))}".customers'))
    engine.dispose()
    return time.perf_counter() - began


def add_small_tenants(url: str, count: int) -> float:
    from crm_customers.definition import DEFINITION

    streams: MigrationStreams = DEFINITION.streams
    engine = create_engine(url, pool_size=2)
    began = time.perf_counter()
    for _ in range(count):
        provision_tenant(engine, streams, uuid.uuid4())
    engine.dispose()
    return time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--tenants", type=int, default=1_000)
    args = parser.parse_args()
    os.environ.update(
        {
            "CRM_GATEWAY_RATE_IP_PER_MINUTE": "10000000",
            "CRM_GATEWAY_RATE_TENANT_PER_MINUTE": "10000000",
            "CRM_GATEWAY_RATE_AUTH_IP_PER_MINUTE": "10000000",
            "CRM_DATABASE_POOL_SIZE": "16",
        }
    )
    settings = Settings()
    stack = start_stack(settings, name="bench_customers", offset=4000)
    try:
        http = httpx.Client(base_url=stack.gateway_url, timeout=60)
        slug, tenant_id = sign_up(http)

        def login() -> dict[str, str]:
            """A fresh access token (they live 300 s; seeding takes longer)."""
            body = {"tenant": slug, "email": f"admin@{slug}.example", "password": PASSWORD}
            token = http.post("/api/v1/auth/login", json=body).raise_for_status().json()
            return {"Authorization": f"Bearer {token['access_token']}"}

        auth = login()
        owner_id = http.get("/api/v1/me", headers=auth).json()["user"]["id"]
        http.post(
            "/api/v1/custom-fields",
            headers=auth,
            json={
                "entity": "customer",
                "key": "region",
                "label": "Region",
                "type": "text",
            },
        ).raise_for_status()
        url = test_database_url(settings, "bench_customers_customers")
        seeded = seed_customers(url, tenant_id, owner_id, args.customers)
        print(f"seeded {args.customers:,} customers in {seeded:.1f}s")
        provisioned = add_small_tenants(url, args.tenants)
        print(f"provisioned {args.tenants:,} small tenants' schemas in {provisioned:.1f}s")

        engine = create_engine(url)
        with engine.connect() as connection:
            ids = [
                str(i)
                for i in connection.scalars(
                    text(
                        f'SELECT id FROM "{schema_for(uuid.UUID(tenant_id))}".customers '
                        "ORDER BY random() LIMIT 2000"
                    )
                )
            ]
        client = httpx.Client(
            base_url=stack.gateway_url,
            timeout=60,
            limits=httpx.Limits(max_connections=64),
        )

        def fresh_token() -> None:
            client.headers.update(login())

        def measure(
            call: Callable[[int], None], *, requests: int = REQUESTS
        ) -> tuple[float, float]:
            fresh_token()
            return measure_at_concurrency(call, requests=requests)

        def get_ok(path: str) -> None:
            response = client.get(path)
            if response.status_code != 200:
                raise RuntimeError(f"{path}: {response.status_code} {response.text[:300]}")

        def create(_: int) -> None:
            body = {"kind": "company", "name": f"新客户 {uuid.uuid4().hex}"}
            client.post("/api/v1/customers", json=body).raise_for_status()

        fresh = itertools.count()  # each update takes a record nobody changed yet (version 1)

        def update(i: int) -> None:
            client.patch(
                f"/api/v1/customers/{ids[next(fresh)]}",
                json={"notes": f"call {i}"},
                headers={"If-Match": '"1"'},
            ).raise_for_status()

        owner_filter = f"/api/v1/customers?filter=owner_id:eq:{owner_id}&limit=20"
        results = {
            "list, filter owner_id (indexed)": measure(lambda _: get_ok(owner_filter)),
            "list, filter custom.region": measure(
                lambda i: get_ok(f"/api/v1/customers?filter=custom.region:eq:R{i % 100}&limit=20")
            ),
            "detail": measure(lambda i: get_ok(f"/api/v1/customers/{ids[i % len(ids)]}")),
            "create": measure(create),
            "update": measure(update, requests=len(ids) - CONCURRENCY),
        }
        schema = schema_for(uuid.UUID(tenant_id))
        raw = text(
            f'SELECT * FROM "{schema}".customers WHERE owner_id = :owner '
            "AND deleted_at IS NULL ORDER BY updated_at DESC, id DESC LIMIT 21"
        )

        def raw_list(_: int) -> None:
            with engine.connect() as connection:
                connection.execute(raw, {"owner": owner_id}).all()

        floor = measure_at_concurrency(raw_list)
        print(
            f"\ncustomers: {args.customers:,} in one tenant, {args.tenants:,} small tenants; "
            f"concurrency {CONCURRENCY}, {REQUESTS} requests each (2 cores, whole stack)"
        )
        for name, (p50, p95) in results.items():
            print(f"  {name:34s} p50 {p50:7.1f} ms   p95 {p95:7.1f} ms")
        p50, p95 = floor
        api50, api95 = results["list, filter owner_id (indexed)"]
        print(
            f"  {'same list as raw SQL':34s} p50 {p50:7.1f} ms   p95 {p95:7.1f} ms   "
            f"API/SQL ratio p50 {api50 / p50:.1f}  p95 {api95 / p95:.1f}"
        )
    finally:
        stack.stop()


if __name__ == "__main__":
    main()
