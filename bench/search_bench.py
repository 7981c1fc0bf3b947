"""Search on the whole platform as real processes (crmkit.testing.stack).

- lag: a steady stream of customer creates (default 200/s for 30 s) through customers' API;
  for each created id, the time from the create's answer (the commit) to the moment an
  OpenSearch search finds it (customers API → outbox → relay → RabbitMQ → search consumer →
  OpenSearch refresh), p50/p95/max, and the create rate actually achieved;
- query: search and typeahead p50/p95 at concurrency 16 through the search API over one
  tenant with N customers (default 1,000,000) beside M small tenants (default 1,000 x 20).
  The documents are bulk-written straight into OpenSearch with the indexer's own
  `document_of` + `store.body`, so they have exactly the shape events give them.

The seeded index (prefix `bench-search`) is kept between runs and seeded again only when its
recorded seed (`_meta.bench`) differs from the options, or with `--reseed`. Its tenants exist
only in the index, so the searches carry a `knd=service` token of the big tenant minted with
the stack identity's key (as the tests mint theirs): a service caller sees the whole tenant,
like an admin, without identity's grants (which users' requests cache for 5 s anyway).
Searches go to the search API directly, not through the gateway (its overhead is measured by
stack_bench.py).

Run: `python bench/search_bench.py [lag] [query] [--docs N] [--small-tenants M]` (servers
up: `make services`). The stack is named `bench_search` on offset 6000 (gateway 24000,
customers 24102, search 24106), logs in var/log/bench_search/.
"""

import argparse
import asyncio
import os
import random
import socket
import sys
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from opensearchpy import OpenSearch, helpers

sys.path.insert(0, str(Path(__file__).parent))

from stack_bench import RATE_LIMITS, Load, Tenant, Timings, login, ms, sign_up  # noqa: E402

from crm_search.indexing import store  # noqa: E402
from crm_search.indexing.events import document_of  # noqa: E402
from crm_search.indexing.registry import CUSTOMER  # noqa: E402
from crmkit.settings import Settings  # noqa: E402
from crmkit.testing.stack import Stack, start_stack  # noqa: E402

PREFIX = "bench-search"
OFFSET = 6000
SEED_FORMAT = 1  # bump when the generated documents change: the cached index is re-seeded
POLL_SECONDS = 0.05
SMALL_DOCS = 20
CHUNK = 5000

CITIES = "北京 上海 深圳 广州 杭州 成都 武汉 南京 西安 苏州 天津 重庆 青岛 厦门 长沙 郑州 宁波 无锡 合肥 福州 济南 大连 沈阳 昆明".split()  # noqa: E501
PROVINCES = {"北京": "北京", "上海": "上海", "深圳": "广东", "广州": "广东", "杭州": "浙江"}
CORE_CHARS = "华强腾飞星辰宏达恒信金源瑞丰鑫盛安泰中天新科创嘉和永康德利博远汇通佳美兴隆大光明海宇润凯越锦程富力正元益民众诚"  # noqa: E501
TRADES = "科技 贸易 电子 物流 医药 建筑工程 网络 信息技术 食品 机械设备 环保 教育咨询 文化传媒 新能源 生物 汽车配件 服装 化工 实业 投资".split()  # noqa: E501
SUFFIXES = ["有限公司"] * 7 + ["股份有限公司", "集团有限公司", "有限责任公司"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰"
LATIN_KINDS = ["Trading Company", "Logistics Ltd", "Technologies", "Holdings", "Industries"]
SYLLABLES = (
    "ac me glo bex ini tech nova zen tri lum ver dyn amo sol kor vex pax rio tal mar".split()
)
TAGS = ["重点客户", "VIP", "老客户", "渠道", "展会", "华东", "华南", "待跟进"]
LEVELS = ["A", "B", "C", "D"]
STATUSES = ["potential", "active", "lost"]
SOURCES = ["website", "referral", "exhibition", "cold_call", "ad"]


# ---------------------------------------------------------------- generated customers


def _latin_word(rng: random.Random) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3))).capitalize()


def customer_data(rng: random.Random, n: int, owners: list[str]) -> dict[str, Any]:
    """One customer as customers' events carry it (`customers.customer.created` data)."""
    city = rng.choice(CITIES)
    roll = rng.random()
    if roll < 0.1:
        kind, name, short = "company", f"{_latin_word(rng)} {rng.choice(LATIN_KINDS)}", None
    elif roll < 0.2:
        given = "".join(rng.choice(GIVEN) for _ in range(rng.randint(1, 2)))
        kind, name, short = "person", rng.choice(SURNAMES) + given, None
    else:
        core = "".join(rng.sample(CORE_CHARS, 2))
        kind, short = "company", core
        name = f"{city}{core}{rng.choice(TRADES)}{rng.choice(SUFFIXES)}"
    phones = [f"1{rng.choice('3456789')}{rng.randrange(10**9):09d}"]
    if rng.random() < 0.3:
        phones.append(f"0{rng.randint(10, 999)}-{rng.randrange(10**8):08d}")
    created = datetime(2024, 1, 1, tzinfo=UTC) + timedelta(minutes=n)
    return {
        "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        "kind": kind,
        "name": name,
        "short_name": short,
        "phones": phones,
        "emails": [f"contact{n}@{_latin_word(rng).lower()}.com.cn"],
        "province": PROVINCES.get(city, city),
        "city": city,
        "industry": rng.choice(TRADES),
        "source": rng.choice(SOURCES),
        "level": rng.choice(LEVELS),
        "status": rng.choice(STATUSES),
        "tags": rng.sample(TAGS, rng.randint(0, 2)),
        "owner_id": rng.choice(owners),
        "department_id": None,
        "collaborator_ids": [],
        "custom": {"region": f"R{n % 100}", "erp_code": f"ERP{n:08d}"},
        "version": 1,
        "created_at": created.isoformat(),
        "updated_at": created.isoformat(),
        "deleted_at": None,
        "merged_into_id": None,
    }


def _owners(seed: int, count: int = 20) -> list[str]:
    rng = random.Random(seed)
    return [str(uuid.UUID(int=rng.getrandbits(128), version=4)) for _ in range(count)]


def generate(tenant_id: str, seed: int, start: int, count: int) -> Iterator[dict[str, Any]]:
    """Customers `start`..`start + count` of one tenant (the same ones for the same seed)."""
    rng, owners = random.Random(seed * 1_000_003 + start), _owners(seed)
    for n in range(start, start + count):
        yield customer_data(rng, n, owners)


def _actions(tenant_id: str, index: str, customers: Iterator[dict[str, Any]]) -> Iterator[Any]:
    for data in customers:
        document, version = document_of(CUSTOMER, data, "created")
        yield {
            "_index": index,
            "_id": data["id"],
            "_routing": tenant_id,
            "_source": store.body(
                CUSTOMER, tenant_id=tenant_id, doc_id=data["id"], document=document, version=version
            ),
        }


def _seed_chunk(url: str, index: str, tenant_id: str, seed: int, start: int, count: int) -> int:
    client = OpenSearch(hosts=[url], timeout=300)
    written, _ = helpers.bulk(
        client,
        _actions(tenant_id, index, generate(tenant_id, seed, start, count)),
        chunk_size=1000,
        request_timeout=300,
    )
    return int(written)


# ---------------------------------------------------------------- the seeded index


def _meta(client: OpenSearch, index: str) -> dict[str, Any]:
    mapping = client.indices.get_mapping(index=index)[index]["mappings"]
    return dict((mapping.get("_meta") or {}).get("bench") or {})


def prepare_index(
    client: OpenSearch, url: str, *, docs: int, small: int, reseed: bool, workers: int
) -> str:
    """The big tenant's `docs` customers beside `small` small tenants; returns the big
    tenant's id. Kept between runs: seeded again only when the options (or the generator)
    changed. The tenants exist only in the index (searches carry a service token minted for
    the big one: `service_token`), which is what lets a rerun reuse them."""
    index = store.index_name(CUSTOMER, PREFIX)
    wanted = {"format": SEED_FORMAT, "docs": docs, "small_tenants": small, "small_docs": SMALL_DOCS}
    meta = _meta(client, index) if client.indices.exists(index=index) else {}
    if not reseed and {k: meta.get(k) for k in wanted} == wanted:
        count = client.count(
            index=index, body={"query": {"term": {"tenant_id": meta["tenant_id"]}}}
        )
        if count["count"] >= docs:
            print(
                f"reusing the seeded index {index}: {docs:,} customers of tenant "
                f"{meta['tenant_id']}"
            )
            return str(meta["tenant_id"])
    tenant_id = str(uuid.uuid4())
    began = time.perf_counter()
    client.indices.delete(index=index, ignore_unavailable=True)
    store.ensure_indices(client, PREFIX)
    client.indices.put_settings(
        index=index, body={"index": {"refresh_interval": "-1", "translog.durability": "async"}}
    )
    jobs: list[tuple[str, int, int, int]] = [
        (tenant_id, 1, start, min(CHUNK, docs - start)) for start in range(0, docs, CHUNK)
    ]
    jobs += [(str(uuid.uuid4()), 1000 + t, 0, SMALL_DOCS) for t in range(small)]
    written, reported = 0, 0
    with ProcessPoolExecutor(workers) as pool:
        futures = [pool.submit(_seed_chunk, url, index, *job) for job in jobs]
        for future in futures:
            written += future.result()
            if written - reported >= 50_000:
                reported = written
                rate = written / (time.perf_counter() - began)
                print(f"  seeded {written:,} documents ({rate:,.0f}/s)", flush=True)
    client.indices.put_settings(
        index=index, body={"index": {"refresh_interval": None, "translog.durability": "request"}}
    )
    client.indices.refresh(index=index, request_timeout=600)
    client.indices.forcemerge(index=index, max_num_segments=5, request_timeout=7200)
    client.indices.put_mapping(
        index=index, body={"_meta": {"bench": {**wanted, "tenant_id": tenant_id}}}
    )
    print(
        f"seeded {index}: {docs:,} customers of one tenant + {small:,} tenants x {SMALL_DOCS} "
        f"= {written:,} documents in {time.perf_counter() - began:.0f} s "
        f"({written / (time.perf_counter() - began):,.0f}/s, {workers} seeding processes)"
    )
    return tenant_id


def service_token(tenant_id: str) -> str:
    """A `knd=service` token for `tenant_id`, signed with the stack identity's current key
    (as identity signs them; the tests mint theirs the same way)."""
    from sqlalchemy import create_engine
    from sqlalchemy.orm import Session

    from crm_identity.keys.service import sign, signing_key
    from crm_identity.settings import get_identity_settings
    from crmkit.testing.databases import test_database_url

    settings = Settings()
    engine = create_engine(test_database_url(settings, "bench_search_identity"))
    now = datetime.now(UTC)
    try:
        with Session(engine) as session, session.begin():
            key = signing_key(session, settings=get_identity_settings(), now=now)
            return sign(
                key,
                {
                    "iss": settings.jwt_issuer,
                    "aud": settings.jwt_audience,
                    "sub": "search-bench",
                    "knd": "service",
                    "tid": tenant_id,
                    "iat": int(now.timestamp()),
                    "exp": int(now.timestamp()) + 900,
                    "perms": [],
                },
            )
    finally:
        engine.dispose()


# ---------------------------------------------------------------- queries


def _typo(word: str, rng: random.Random) -> str:
    i = rng.randrange(1, len(word) - 1)
    return (
        word[:i] + word[i + 1 :]
        if rng.random() < 0.5
        else word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    )


def query_mix(docs: int, count: int) -> list[tuple[str, str, str]]:
    """(kind, path, q): Chinese fragments, phone fragments, Latin names with a typo and
    typeahead, drawn from customers that are in the index."""
    from crm_search.indexing.events import pinyin_of

    rng = random.Random(7)
    sample = list(generate("", 1, 0, min(docs, CHUNK)))  # the first chunk, as seeded
    chinese = [c for c in sample if c["short_name"]]
    latin = [c for c in sample if c["name"].isascii()]
    kinds: list[tuple[str, str, str]] = []
    for i in range(count):
        c = rng.choice(chinese)
        match i % 6:
            case 0:
                kinds.append(("chinese fragment", "/api/v1/search", c["short_name"]))
            case 1:
                kinds.append(("chinese fragment", "/api/v1/search", c["name"][2:6]))
            case 2:
                phone = rng.choice(sample)["phones"][0]
                start = rng.randrange(3, 7)
                kinds.append(("phone fragment", "/api/v1/search", phone[start : start + 4]))
            case 3:
                words = rng.choice(latin)["name"].split()
                words[0] = _typo(words[0], rng) if len(words[0]) > 3 else words[0]
                kinds.append(("latin with typo", "/api/v1/search", " ".join(words)))
            case 4:
                kinds.append(("suggest", "/api/v1/search/suggest", c["name"][:3]))
            case _:
                initials = pinyin_of(c["name"][:4]).split()[-1]
                choice = rng.choice([initials, rng.choice(latin)["name"][:3].lower()])
                kinds.append(("suggest", "/api/v1/search/suggest", choice))
    return kinds


async def run_queries(
    base_url: str, token: str, mix: list[tuple[str, str, str]], concurrency: int
) -> tuple[dict[str, Timings], Timings, Counter[str]]:
    per_kind: dict[str, Timings] = {}
    overall, errors, hits = Timings(), Counter[str](), Counter[str]()
    queue = list(enumerate(mix))
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(
        base_url=base_url, headers={"Authorization": f"Bearer {token}"}, limits=limits, timeout=60
    ) as client:

        async def worker(record: bool) -> None:
            while queue:
                _, (kind, path, q) = queue.pop()
                began = time.perf_counter()
                try:
                    response = await client.get(path, params={"q": q})
                except httpx.HTTPError as exc:
                    errors[type(exc).__name__] += 1
                    continue
                took = time.perf_counter() - began
                if response.status_code != 200:
                    errors[f"{response.status_code} {response.text[:120]}"] += 1
                    continue
                if record:
                    per_kind.setdefault(kind, Timings()).latencies.append(took)
                    overall.latencies.append(took)
                    body = response.json()
                    found = body.get("suggestions") or body.get("groups", {}).get("customer")
                    hits[kind] += bool(found)

        warm = queue[: 2 * concurrency]
        queue = warm
        await asyncio.gather(*(worker(False) for _ in range(concurrency)))
        queue = list(enumerate(mix))
        began = time.perf_counter()
        await asyncio.gather(*(worker(True) for _ in range(concurrency)))
        overall.seconds = time.perf_counter() - began
    return per_kind, overall, errors + Counter({f"found:{k}": v for k, v in hits.items()})


def query_part(stack: Stack, tenant_id: str, args: argparse.Namespace) -> None:
    load = Load(p.pid for p in stack.processes.values())
    mix = query_mix(args.docs, args.requests)
    per_kind, overall, notes = asyncio.run(
        run_queries(stack.service_url("search"), service_token(tenant_id), mix, args.concurrency)
    )
    print(
        f"\nsearch over {args.docs:,} customers in one tenant beside {args.small_tenants:,} "
        f"small tenants; concurrency {args.concurrency}, {len(overall.latencies)} requests "
        f"to the search API (service token of the tenant), after a warm-up:"
    )
    for kind, timings in sorted(per_kind.items()):
        found = notes.get(f"found:{kind}", 0)
        print(
            f"  {kind:18s} p50 {ms(timings.p(0.5)):>9} p95 {ms(timings.p(0.95)):>9} "
            f"max {ms(timings.p(1)):>9}  ({len(timings.latencies)} requests, "
            f"{found} with results)"
        )
    print(
        f"  {'all':18s} p50 {ms(overall.p(0.5)):>9} p95 {ms(overall.p(0.95)):>9} "
        f"max {ms(overall.p(1)):>9}  {overall.rate:.0f} req/s"
    )
    failures = {k: v for k, v in notes.items() if not k.startswith("found:")}
    for error, count in failures.items():
        print(f"  FAILED {count} x {error}")
    print(load.summary())


# ---------------------------------------------------------------- index lag


class InProcessWriter:
    """Customers' own write path (`create_customer` in a tenant session and commit, which
    records the outbox event) on the stack's customers database, without HTTP: the stack's
    relay and consumers carry the events on as for any create. Acts as a service caller
    for the tenant's admin (the owner)."""

    def __init__(self, tenant_id: str, token: str) -> None:
        from sqlalchemy import create_engine

        from crmkit.db import Database
        from crmkit.testing.databases import test_database_url

        url = test_database_url(Settings(), "bench_search_customers")
        self.db = Database(create_engine(url, pool_size=16, max_overflow=0))
        self.tenant_id = uuid.UUID(tenant_id)
        self.owner_id = uuid.UUID(_claims(token)["sub"])

    def create(self, body: dict[str, Any]) -> str:
        from crm_customers.common.access import caller_for
        from crm_customers.customers.schemas import CustomerCreate
        from crm_customers.customers.service import create_customer
        from crmkit.auth import Principal, PrincipalKind
        from crmkit.tenancy import tenant_context

        principal = Principal(kind=PrincipalKind.SERVICE, subject="bench", tenant_id=self.tenant_id)
        data = CustomerCreate.model_validate({**body, "owner_id": str(self.owner_id)})
        with tenant_context(self.tenant_id), self.db.tenant_session() as session:
            with session.begin():
                customer = create_customer(session, caller=caller_for(principal), data=data)
            return str(customer.id)


def _claims(token: str) -> dict[str, Any]:
    import base64
    import json

    payload = token.split(".")[1]
    return dict(json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))))


async def lag_run(
    stack: Stack,
    token: str,
    tenant_id: str,
    *,
    rate: float,
    seconds: float,
    concurrency: int,
    via: str,
) -> None:
    url = stack.gateway_url if via == "gateway" else stack.service_url("customers")
    writer = InProcessWriter(tenant_id, token) if via == "inprocess" else None
    threads = ThreadPoolExecutor(concurrency)
    loop = asyncio.get_running_loop()
    alias = store.alias_name(CUSTOMER, PREFIX)
    created: dict[str, float] = {}
    seen: dict[str, float] = {}
    create_times = Timings()
    errors: Counter[str] = Counter()
    total = int(rate * seconds)
    done_creating = asyncio.Event()
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    gate = asyncio.Semaphore(concurrency)
    behind = 0
    async with (
        httpx.AsyncClient(
            base_url=url, headers={"Authorization": f"Bearer {token}"}, limits=limits, timeout=60
        ) as api,
        httpx.AsyncClient(base_url=Settings().opensearch_url, timeout=30) as opensearch,
    ):

        async def create(i: int) -> None:
            async with gate:
                began = time.perf_counter()
                body = {"kind": "company", "name": f"延迟测试{i}号 {uuid.uuid4().hex[:8]} 有限公司"}
                try:
                    if writer is not None:
                        new_id = await loop.run_in_executor(threads, writer.create, body)
                    else:
                        response = await api.post("/api/v1/customers", json=body)
                        if response.status_code != 201:
                            errors[f"{response.status_code} {response.text[:100]}"] += 1
                            return
                        new_id = response.json()["id"]
                except Exception as exc:  # noqa: BLE001 - counted and reported
                    errors[f"{type(exc).__name__}: {str(exc)[:100]}"] += 1
                    return
                answered = time.perf_counter()
                created[new_id] = answered
                create_times.latencies.append(answered - began)

        async def drive() -> None:
            nonlocal behind
            tasks = []
            began = time.perf_counter()
            for i in range(total):
                delay = began + i / rate - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
                elif gate.locked():
                    behind += 1  # the schedule slipped: every connection is busy
                tasks.append(asyncio.create_task(create(i)))
            await asyncio.gather(*tasks)
            create_times.seconds = time.perf_counter() - began
            done_creating.set()

        async def poll() -> None:
            deadline = None
            while True:
                pending = [i for i in created if i not in seen]
                if done_creating.is_set():
                    deadline = deadline or time.perf_counter() + 120
                    if not pending or time.perf_counter() > deadline:
                        return
                for part in range(0, len(pending), 1000):
                    ids = pending[part : part + 1000]
                    response = await opensearch.post(
                        f"/{alias}/_search",
                        params={"routing": tenant_id},
                        json={
                            "size": len(ids),
                            "_source": False,
                            "query": {
                                "bool": {
                                    "filter": [
                                        {"term": {"tenant_id": tenant_id}},
                                        {"ids": {"values": ids}},
                                    ]
                                }
                            },
                        },
                    )
                    now = time.perf_counter()
                    for hit in response.json()["hits"]["hits"]:
                        seen.setdefault(hit["_id"], now)
                await asyncio.sleep(POLL_SECONDS)

        await asyncio.gather(drive(), poll())
    lags = Timings([seen[i] - created[i] for i in created if i in seen])
    achieved = len(created) / create_times.seconds
    print(
        f"\nindex lag, create answered → found by an OpenSearch search (polled every "
        f"{POLL_SECONDS * 1000:.0f} ms), creates via {via}:"
    )
    print(
        f"  creates: asked {rate:.0f}/s for {seconds:.0f} s ({total}), achieved "
        f"{achieved:.0f}/s ({len(created)} in {create_times.seconds:.1f} s, at most "
        f"{concurrency} in flight, {behind} started late); create p50 "
        f"{ms(create_times.p(0.5))} p95 {ms(create_times.p(0.95))}"
    )
    print(
        f"  lag: p50 {ms(lags.p(0.5))} p95 {ms(lags.p(0.95))} max {ms(lags.p(1))} "
        f"({len(lags.latencies)} found, {len(created) - len(lags.latencies)} not found in 120 s)"
    )
    for error, count in errors.items():
        print(f"  FAILED {count} x {error}")


def lag_part(
    stack: Stack,
    http: httpx.Client,
    tenant: Tenant,
    tenant_id: str,
    args: argparse.Namespace,
    via: str,
) -> None:
    load = Load(p.pid for p in stack.processes.values())
    token = login(http, tenant)
    asyncio.run(
        lag_run(
            stack,
            token,
            tenant_id,
            rate=args.rate,
            seconds=args.seconds,
            concurrency=args.create_concurrency,
            via=via,
        )
    )
    print(load.summary())


# ---------------------------------------------------------------- main


def start(args: argparse.Namespace) -> Stack:
    with socket.socket() as probe:
        port = 18000 + OFFSET + int(os.environ.get("CRM_TEST_PORT_SHIFT", "0"))
        if probe.connect_ex(("127.0.0.1", port)) == 0:
            raise SystemExit(f"port {port} is taken: is another search bench running?")
    shift = int(os.environ.get("CRM_TEST_PORT_SHIFT", "0"))
    os.environ.update(RATE_LIMITS)  # the stack copies os.environ into every process
    os.environ["CRM_SEARCH_INDEX_PREFIX"] = PREFIX
    os.environ["CRM_SEARCH_CUSTOMERS_GRPC_TARGET"] = f"127.0.0.1:{19100 + OFFSET + shift + 2}"
    print("starting the stack ...", flush=True)
    began = time.perf_counter()
    stack = start_stack(Settings(), name="bench_search", offset=OFFSET)
    print(f"stack ready in {time.perf_counter() - began:.0f} s")
    return stack


def new_tenant(http: httpx.Client) -> tuple[Tenant, str]:
    slug = f"bs-{uuid.uuid4().hex[:10]}"
    sign_up(http, slug)
    tenant = Tenant(slug, f"admin@{slug}.example.com")
    me = http.get("/api/v1/me", headers={"Authorization": f"Bearer {login(http, tenant)}"})
    return tenant, str(me.raise_for_status().json()["tenant"]["id"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("parts", nargs="*", help="lag, query (default: both)")
    parser.add_argument("--docs", type=int, default=1_000_000, help="the big tenant's customers")
    parser.add_argument("--small-tenants", type=int, default=1_000)
    parser.add_argument("--reseed", action="store_true", help="seed even if the cache matches")
    parser.add_argument("--seed-workers", type=int, default=2, help="processes seeding")
    parser.add_argument("--concurrency", type=int, default=16, help="search clients")
    parser.add_argument("--requests", type=int, default=1600, help="measured searches")
    parser.add_argument("--rate", type=float, default=200, help="creates per second (lag)")
    parser.add_argument("--seconds", type=float, default=30, help="how long creates run (lag)")
    parser.add_argument(
        "--create-concurrency",
        type=int,
        default=8,
        help="creates in flight (the stack's customers API has 4 + 4 database connections)",
    )
    parser.add_argument(
        "--via",
        choices=("customers", "gateway", "inprocess"),
        action="append",
        help="creates POSTed to customers' API, through the gateway, or written in-process "
        "through customers' own service layer (repeatable: one lag run each; default both "
        "customers and inprocess)",
    )
    args = parser.parse_args()
    chosen = args.parts or ["lag", "query"]
    if unknown := set(chosen) - {"lag", "query"}:
        parser.error(f"unknown part: {', '.join(sorted(unknown))}")
    stack = start(args)
    client = OpenSearch(hosts=[Settings().opensearch_url], timeout=600)
    try:
        if "query" in chosen:
            big_tenant_id = prepare_index(
                client,
                Settings().opensearch_url,
                docs=args.docs,
                small=args.small_tenants,
                reseed=args.reseed,
                workers=args.seed_workers,
            )
        if "lag" in chosen:
            with httpx.Client(base_url=stack.gateway_url, timeout=60) as http:
                lag_tenant, lag_tenant_id = new_tenant(http)
                try:
                    for via in args.via or ["customers", "inprocess"]:
                        lag_part(stack, http, lag_tenant, lag_tenant_id, args, via)
                finally:
                    client.delete_by_query(
                        index=store.alias_name(CUSTOMER, PREFIX),
                        body={"query": {"term": {"tenant_id": lag_tenant_id}}},
                        conflicts="proceed",
                        request_timeout=600,
                    )
        if "query" in chosen:
            query_part(stack, big_tenant_id, args)
    finally:
        stack.stop()


if __name__ == "__main__":
    main()
