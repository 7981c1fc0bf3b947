"""Import of customers end to end: a CSV (or XLSX) of N rows (default 100,000) stored as an
import job, then worked by the real job code (`crm_customers.transfers.tasks.import_job`)
in a separate worker process, as the Celery worker runs it: the file read back from
PostgreSQL, parsed, every row validated, duplicates looked up per chunk, customers,
contacts, history, events and per-row outcomes written chunk by chunk.

Prints rows/s over the wall time, the worker process's peak memory (`VmHWM`, measured by
the worker itself, with its code loaded and after the job) and the job's CPU time (steady
on a busy machine, where wall time is not), and checks the counts. The file has some
realism: one row in 20 repeats an earlier customer (skipped as a duplicate), one in 100
has a bad phone (failed), one in 2 carries a contact.

Run: `python bench/import_bench.py [--rows N] [--format csv|xlsx]` (servers up).
Database `test_bench_import_customers_<run>`, rebuilt each time.
"""

import argparse
import csv
import io
import json
import resource
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

from crm_customers.streams import STREAMS
from crm_customers.transfers.models import ImportJob, TransferFile
from crmkit.auth import PrincipalKind
from crmkit.migrations import provision_tenant
from crmkit.settings import Settings
from crmkit.tenancy import tenant_context
from crmkit.testing.databases import build_test_database

HEADER = ["客户名称", "类型", "电话", "邮箱", "城市", "等级", "联系人", "联系人电话"]
MAPPING = {
    "客户名称": "name",
    "类型": "kind",
    "电话": "phone",
    "邮箱": "email",
    "城市": "city",
    "等级": "level",
    "联系人": "contact.name",
    "联系人电话": "contact.phone",
}
PERMISSIONS = [f"customers:{a}" for a in ("view", "create", "update", "import", "view_phone")]


def rows(count: int) -> list[list[str]]:
    made: list[list[str]] = []
    for n in range(count):
        if n % 20 == 19:
            made.append(list(made[n - 7]))  # a duplicate of an earlier row
            continue
        person = n % 3 == 0
        phone = "12" if n % 100 == 57 else f"138{n:08d}"
        made.append(
            [
                f"客户{n:07d}" if person else f"北京华强{n:07d}科技有限公司",
                "个人" if person else "公司",
                phone,
                f"c{n}@example.com",
                ("北京", "上海", "深圳")[n % 3],
                ("A", "B", "C")[n % 3],
                f"联系人{n}" if n % 2 else "",
                f"139{n:08d}" if n % 2 else "",
            ]
        )
    return made


def file_content(count: int, file_format: str) -> bytes:
    data = [HEADER, *rows(count)]
    if file_format == "csv":
        buffer = io.StringIO()
        csv.writer(buffer).writerows(data)
        return buffer.getvalue().encode("utf-8")
    from openpyxl import Workbook  # type: ignore[import-untyped]

    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    for row in data:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def queue_job(url: str, tenant_id: uuid.UUID, content: bytes, file_format: str) -> uuid.UUID:
    from crmkit.db import Database, make_engine

    db = Database(make_engine(url, pool_size=1), required_tenant_revision=STREAMS.head("tenant"))
    user = uuid.uuid4()
    caller = {
        "kind": PrincipalKind.USER.value,
        "subject": str(user),
        "tenant_id": str(tenant_id),
        "permissions": PERMISSIONS,
        "grant_permissions": PERMISSIONS,
        "scopes": {"customers": "all"},
        "field_rules": [],
        "sees_all": True,
        "owner_ids": [],
    }
    now = datetime.now(UTC)
    job_id = uuid.uuid4()
    with tenant_context(tenant_id), db.tenant_transaction() as session:
        stored = TransferFile(
            id=uuid.uuid4(),
            name=f"bench.{file_format}",
            media_type="text/csv",
            size=len(content),
            content=content,
            created_at=now,
        )
        session.add(stored)
        session.flush()
        session.add(
            ImportJob(
                id=job_id,
                status="queued",
                file_id=stored.id,
                file_format=file_format,
                mapping=MAPPING,
                on_duplicate="skip",
                caller=caller,
                created_by=user,
                processed=0,
                created=0,
                updated=0,
                skipped=0,
                failed=0,
                created_at=now,
            )
        )
    db.dispose()
    return job_id


def _peak_rss_mb() -> float:
    """This process's own peak RSS (`VmHWM`; unlike `ru_maxrss` it is not inherited from
    the parent through fork)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def work(url: str, tenant_id: str, job_id: str) -> None:
    """The worker side: what the Celery task runs, in this (child) process; prints its
    peak memory and CPU with the worker's code loaded, then after the job."""
    from crm_customers.transfers.tasks import import_job
    from crmkit.db import Database, make_engine

    loaded = {"rss_mb": _peak_rss_mb(), "cpu_s": _cpu_seconds()}
    db = Database(make_engine(url, pool_size=2), required_tenant_revision=STREAMS.head("tenant"))
    with tenant_context(uuid.UUID(tenant_id)):
        import_job(db, uuid.UUID(job_id))
    db.dispose()
    done = {"rss_mb": _peak_rss_mb(), "cpu_s": _cpu_seconds()}
    print(json.dumps({"loaded": loaded, "done": done}))


def result(url: str, tenant_id: uuid.UUID, job_id: uuid.UUID) -> dict[str, object]:
    from crmkit.db import Database, make_engine

    db = Database(make_engine(url, pool_size=1), required_tenant_revision=STREAMS.head("tenant"))
    with tenant_context(tenant_id), db.tenant_session() as session:
        job = session.get(ImportJob, job_id)
        assert job is not None
        found = {
            k: getattr(job, k)
            for k in ("status", "total", "processed", "created", "skipped", "failed")
        }
    db.dispose()
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--format", choices=("csv", "xlsx"), default="csv")
    parser.add_argument("--work", nargs=3, metavar=("URL", "TENANT", "JOB"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.work:
        work(*args.work)
        return
    settings = Settings()
    db = build_test_database(settings, "bench_import_customers", STREAMS)
    url = db.engine.url.render_as_string(hide_password=False)
    tenant_id = uuid.uuid4()
    provision_tenant(db.engine, STREAMS, tenant_id)
    db.dispose()
    began = time.perf_counter()
    content = file_content(args.rows, args.format)
    print(f"file: {args.rows} rows, {len(content) / 1e6:.1f} MB {args.format}", end="")
    print(f" (made in {time.perf_counter() - began:.1f} s)")
    job_id = queue_job(url, tenant_id, content, args.format)
    began = time.perf_counter()
    child = subprocess.run(  # noqa: S603 - this script, our own interpreter
        [sys.executable, __file__, "--work", url, str(tenant_id), str(job_id)],
        check=True,
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - began
    measured = json.loads(child.stdout.strip().splitlines()[-1])
    loaded, done = measured["loaded"], measured["done"]
    cpu = done["cpu_s"] - loaded["cpu_s"]
    found = result(url, tenant_id, job_id)
    skipped = sum(1 for n in range(args.rows) if n % 20 == 19)
    failed = sum(1 for n in range(args.rows) if n % 100 == 57 and n % 20 != 19)
    expected = {
        "status": "done",
        "total": args.rows,
        "processed": args.rows,
        "created": args.rows - skipped - failed,
        "skipped": skipped,
        "failed": failed,
    }
    print(json.dumps(found))
    assert found == expected, f"expected {expected}"
    rate = args.rows / seconds
    print(f"import: {seconds:.1f} s wall (worker start included), {rate:,.0f} rows/s")
    print(
        f"worker peak RSS {done['rss_mb']:.0f} MB ({loaded['rss_mb']:.0f} MB with its code"
        f" loaded, before the job); job CPU {cpu:.1f} s, {args.rows / cpu:,.0f} rows per CPU s"
    )


if __name__ == "__main__":
    main()
