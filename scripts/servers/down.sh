#!/usr/bin/env bash
# Stops the servers that up.sh started, by their pid files (each script checks that the pid still
# belongs to that program before signalling it). Leaves data in var/data.
set -euo pipefail
SERVER_NAME=down
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
rc=0
for s in minio opensearch rabbitmq postgres; do
  bash "$SERVERS_DIR/$s.sh" stop || rc=1
done
exit $rc
