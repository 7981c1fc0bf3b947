#!/usr/bin/env bash
# Runs every process under one supervisor (honcho); each also logs to var/log/<name>.log.
# Ctrl-C stops them all. The servers keep running (make services-down stops them).
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p var/log
cat <<MSG

  CRM is starting. Gateway: http://127.0.0.1:8000  (health: /healthz, readiness: /readyz)
  Service APIs: identity :8101, customers :8102, sales :8103, service-desk :8104,
  files :8105, search :8106 (gRPC on 91xx). Logs: var/log/. Ctrl-C stops everything.

MSG
exec .venv/bin/honcho -f Procfile start
