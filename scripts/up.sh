#!/usr/bin/env bash
# Seeds the demo tenant, then runs every process under one supervisor (honcho); each process
# also logs to var/log/<name>.log. Ctrl-C stops them all; the servers keep running
# (make services-down stops them).
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p var/log
# The console seals the sessions it stores with this key: kept across runs, so restarting
# `make up` keeps everyone signed in.
if [[ -z "${CRM_WEB_SECRET_KEY:-}" ]]; then
  [[ -s var/web-secret-key ]] || (umask 077 && .venv/bin/python -c \
    'import secrets; print(secrets.token_urlsafe(32))' > var/web-secret-key)
  CRM_WEB_SECRET_KEY="$(cat var/web-secret-key)"
  export CRM_WEB_SECRET_KEY
fi
.venv/bin/python - <<'PY'
from crm_identity.demo import seed_demo_tenant

demo = seed_demo_tenant()
print(f"demo tenant '{demo.slug}' {'created' if demo.created else 'already there'}")
PY
cat <<MSG

  CRM is starting. Gateway: http://127.0.0.1:8000
    Console:    http://127.0.0.1:8000/           (sign up a company or use the demo login)
    API docs:   http://127.0.0.1:8000/api/docs   (health /healthz, readiness /readyz)
    Demo login: tenant "demo", admin@demo.example / ${CRM_DEMO_PASSWORD:-demo-Passw0rd!}
      curl -s -X POST http://127.0.0.1:8000/api/v1/auth/login -H 'content-type: application/json' \\
        -d '{"tenant":"demo","email":"admin@demo.example","password":"${CRM_DEMO_PASSWORD:-demo-Passw0rd!}"}'
    The demo tenant turns active once every service has provisioned it (a few seconds):
      curl -s http://127.0.0.1:8000/api/v1/signup/demo
  Logs: var/log/<process>.log. Ctrl-C stops every process.

MSG
exec .venv/bin/honcho -f Procfile start
