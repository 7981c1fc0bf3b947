#!/usr/bin/env bash
# One supervised process: `scripts/run-process.sh crm_customers api`; output to the
# supervisor and to var/log/<module>-<command>.log.
set -uo pipefail
cd "$(dirname "$0")/.."
log="var/log/${1#crm_}-${2:-run}.log"
exec > >(tee -a "$log") 2>&1
exec .venv/bin/python -m "$@"
