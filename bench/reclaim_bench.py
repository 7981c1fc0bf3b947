"""Pool reclaim at scale: one tenant with N customers (default 1,000,000), all idle past
their pool's rule, reclaimed by the worker's own code (`crm_customers.pools.reclaim`).

Two passes, as the rules require: the first reminds every owner (a task and an event per
customer), the second moves every customer into the pool (ledger, timeline, change
history, event). Measures each pass's wall time and rate, and the longest lock held: every
batch is its own transaction locking only its rows (`FOR UPDATE SKIP LOCKED`), so the
longest batch transaction bounds how long any customer row stays locked. A third pass
checks that nothing is left (idempotence).

Customers are seeded with `customers_scale.seed_customers` (one INSERT ... SELECT
generate_series). Runs on its own database (`test_bench_reclaim_<run>`), no HTTP stack.

Run: `python bench/reclaim_bench.py [--customers N] [--batch B]` (servers up).
"""

import argparse
import statistics
import sys
import time
import uuid
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select, update

sys.path.insert(0, str(Path(__file__).resolve().parent))

from customers_scale import seed_customers  # noqa: E402

from crm_customers.customers.models import Customer  # noqa: E402
from crm_customers.db import utcnow  # noqa: E402
from crm_customers.pools import repository  # noqa: E402
from crm_customers.pools.reclaim import PassResult, reclaim_tenant  # noqa: E402
from crm_customers.pools.schemas import PoolRules  # noqa: E402
from crm_customers.streams import STREAMS  # noqa: E402
from crmkit.db import Database  # noqa: E402
from crmkit.settings import Settings  # noqa: E402
from crmkit.tenancy import tenant_context  # noqa: E402
from crmkit.testing.databases import (  # noqa: E402
    build_test_database,
    fresh_database,
    new_tenant,
    test_database_url,
)

DATABASE = "bench-reclaim"


def report(name: str, rows: int, seconds: float, result: PassResult) -> None:
    held = sorted(result.batch_seconds) or [0.0]
    p99 = held[max(0, int(len(held) * 0.99) - 1)]
    print(
        f"  {name:8s} {rows:>10,} rows in {seconds:8.1f} s ({rows / max(seconds, 1e-9):8,.0f}/s)"
        f"   batches {result.batches:>6,}   lock held: median {statistics.median(held) * 1000:6.1f}"
        f" ms, p99 {p99 * 1000:6.1f} ms, longest {result.longest_batch_seconds * 1000:7.1f} ms"
    )


def followed_up_lately(
    db: Database, tenant_id: uuid.UUID, count: int, due_fraction: float, now: datetime
) -> int:
    """... except the share `1 - due_fraction`, followed up a day before `now`. Returns how
    many stay due."""
    keep_due = round(count * due_fraction)
    with tenant_context(tenant_id), db.tenant_transaction() as session:
        recent = (
            select(Customer.id).order_by(Customer.id).offset(keep_due).limit(1).scalar_subquery()
        )
        if keep_due < count:
            session.execute(
                update(Customer)
                .where(Customer.id >= recent)
                .values(last_follow_up_at=now - timedelta(days=1))
            )
    return keep_due


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--batch", type=int, default=200, help="customers per transaction")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument(
        "--due-fraction",
        type=float,
        default=1.0,
        help="share of the customers idle past the rule (the rest were followed up lately): "
        "1.0 is the worst case, a real day is a few percent",
    )
    args = parser.parse_args()
    settings = Settings()
    db = build_test_database(settings, DATABASE, STREAMS)
    url = test_database_url(settings, DATABASE)
    try:
        tenant_id = new_tenant(db, STREAMS)
        owner_id = str(uuid.uuid4())
        seeded = seed_customers(url, str(tenant_id), owner_id, args.customers)
        print(f"seeded {args.customers:,} customers in {seeded:.1f}s")
        now = utcnow() + timedelta(days=60)  # every seeded customer is long idle ...
        due = followed_up_lately(db, tenant_id, args.customers, args.due_fraction, now)
        print(f"{due:,} of them idle past the rule ({args.due_fraction:.0%})")
        with tenant_context(tenant_id):
            with db.tenant_transaction() as session:
                pool = repository.default_pool(session)
                assert pool is not None  # noqa: S101 - the migration seeds it
                pool.rules = PoolRules(
                    reclaim_enabled=True, no_follow_up_days={"*": 30}, remind_days_before=1
                ).model_dump()
            for name, expected in (("remind", "reminded"), ("reclaim", "reclaimed")):
                began = time.perf_counter()
                result = reclaim_tenant(db, now=now, batch_size=args.batch)
                seconds = time.perf_counter() - began
                rows = getattr(result, expected)
                report(name, rows, seconds, result)
                if rows != due:
                    raise SystemExit(f"{name}: {rows:,} of {due:,} customers")
            began = time.perf_counter()
            again = reclaim_tenant(db, now=now, batch_size=args.batch)
            print(
                f"  again    {again.reclaimed + again.reminded:>10,} rows in "
                f"{time.perf_counter() - began:8.1f} s (a pass with nothing to do)"
            )
            with db.tenant_session() as session:
                pooled = session.scalar(select(func.count()).where(Customer.pool_id == pool.id))
            if pooled != due:
                raise SystemExit(f"{pooled:,} of {due:,} customers in the pool")
            print(f"ok: {pooled:,} customers in the pool, each moved once")
    finally:
        db.dispose()
        if not args.keep:
            with fresh_database(url):  # leaves it empty: a 1M run writes gigabytes
                pass


if __name__ == "__main__":
    main()
