#!/usr/bin/env bash
# Installs what is missing and starts every local server the tests need, bound to 127.0.0.1, then
# waits until each one answers. Idempotent: with everything running it only checks (seconds).
# OpenSearch's JVM is started first because it is the slowest to come up.
set -euo pipefail
SERVER_NAME=up
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
ensure_dirs
S="$SERVERS_DIR"
start_s=$SECONDS

bash "$S/opensearch.sh" install
bash "$S/opensearch.sh" launch
for s in postgres rabbitmq minio; do
  bash "$S/$s.sh" install
  bash "$S/$s.sh" launch
done
for s in postgres rabbitmq minio opensearch; do
  bash "$S/$s.sh" ready
done
say "all servers up in $((SECONDS - start_s))s (data var/data, logs var/log, pids var/run)"
