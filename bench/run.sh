#!/usr/bin/env bash
# Every benchmark, one after another (`make bench`; the servers must be up: `make services`).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
echo "== outbox relay and consumer throughput"
"$PY" bench/outbox_throughput.py
echo
echo "== whole stack: sign-up, login, gateway overhead"
"$PY" bench/stack_bench.py
echo
echo "== customers at scale: 1,000,000 in one tenant beside 1,000 small tenants"
"$PY" bench/customers_scale.py
echo
echo "== search: index lag at 200 creates/s; search p50/p95 over 1,000,000 customers at c=16"
"$PY" bench/search_bench.py
echo
echo "== files: 100 MB upload and download through presigned URLs vs MinIO directly"
"$PY" bench/files_bench.py
echo
echo "== customers import: 100,000 rows end to end (rows/s, worker peak memory)"
"$PY" bench/import_bench.py --rows "${IMPORT_BENCH_ROWS:-100000}"
echo
echo "== pool reclaim over 1,000,000 customers in one tenant, 5% of them due (a day's work)"
"$PY" bench/reclaim_bench.py --due-fraction 0.05
echo
echo "== pool reclaim over 1,000,000 customers, all of them due (the worst case; long)"
"$PY" bench/reclaim_bench.py
echo
echo "== web console: the customer list with 1,000,000 customers (bytes, server time, first paint)"
"$PY" bench/web_list_bench.py
echo
echo "== idle stack: CPU per kind of process while nobody uses it"
"$PY" bench/idle_bench.py
