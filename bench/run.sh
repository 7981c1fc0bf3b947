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
