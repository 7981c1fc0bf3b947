#!/usr/bin/env bash
# Upgrades every service's platform schema and each tenant's schema (resumable), and the
# web console's database (its sessions).
set -euo pipefail
cd "$(dirname "$0")/.."
for module in crm_identity crm_customers crm_sales crm_service_desk crm_files crm_search crm_web; do
  echo "== migrate ${module}"
  .venv/bin/python -m "$module" migrate
done
