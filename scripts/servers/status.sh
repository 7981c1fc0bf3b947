#!/usr/bin/env bash
# One line per server: running (pid, address) or stopped. Exit status 1 if any is stopped.
set -uo pipefail
SERVER_NAME=status
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
rc=0
for s in postgres rabbitmq opensearch minio; do
  bash "$SERVERS_DIR/$s.sh" status || rc=1
done
exit $rc
