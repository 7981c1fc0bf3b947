#!/usr/bin/env bash
# MinIO (S3) built with 'go install' at a pinned version; API 127.0.0.1:9000, console 127.0.0.1:9001.
# Usage: minio.sh install|start|stop|status
set -euo pipefail
SERVER_NAME=minio
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"

MINIO_BIN="$CACHE_BIN/minio"
MINIO_DATA="$VAR_DATA/minio"
MINIO_LOG="$VAR_LOG/minio.log"
MINIO_PIDFILE="$VAR_RUN/minio.pid"
MINIO_PORT=9000
MINIO_CONSOLE_PORT=9001
MINIO_URL="http://127.0.0.1:$MINIO_PORT"
export MINIO_ROOT_USER=crm-minio
export MINIO_ROOT_PASSWORD=crm-minio-secret

minio_running() { pidfile_alive "$MINIO_PIDFILE" "$MINIO_BIN" server "$MINIO_DATA"; }

do_install() {
  need_cmd curl curl
  go_install_pinned minio "$MINIO_MODULE" "$MINIO_MODULE" "$MINIO_VERSION"
}

do_launch() {
  [ -x "$MINIO_BIN" ] || die "not installed: run '$0 install' first"
  if minio_running; then
    say "already running (pid $(read_pid "$MINIO_PIDFILE"))"
    return 0
  fi
  if port_open "$MINIO_PORT" || port_open "$MINIO_CONSOLE_PORT"; then
    use_foreign_or_die "$MINIO_PORT" minio_answers
    return 0
  fi
  mkdir -p "$MINIO_DATA"
  say "starting on $MINIO_URL (console 127.0.0.1:$MINIO_CONSOLE_PORT)"
  MINIO_UPDATE=off MINIO_BROWSER_REDIRECT=off \
    nohup "$MINIO_BIN" server "$MINIO_DATA" --address "127.0.0.1:$MINIO_PORT" \
    --console-address "127.0.0.1:$MINIO_CONSOLE_PORT" --quiet >>"$MINIO_LOG" 2>&1 </dev/null &
  echo $! >"$MINIO_PIDFILE"
}

# live, and refuses an unsigned ListBuckets (an S3 server checking signatures)
minio_answers() {
  http_ok "$MINIO_URL/minio/health/live" \
    && [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$MINIO_URL/")" = 403 ]
}

do_ready() {
  local i=0
  until http_ok "$MINIO_URL/minio/health/live"; do
    if ! minio_running; then show_log_tail "$MINIO_LOG"; die "minio exited during startup"; fi
    i=$((i + 1)); [ "$i" -ge 120 ] && { show_log_tail "$MINIO_LOG"; die "not answering on $MINIO_URL"; }
    sleep 0.5
  done
  say "ready on $MINIO_URL (root user $MINIO_ROOT_USER / $MINIO_ROOT_PASSWORD)"
}

do_stop() {
  if minio_running; then
    say "stopping (pid $(read_pid "$MINIO_PIDFILE"))"
    stop_pidfile "$MINIO_PIDFILE" 30 "$MINIO_BIN" server "$MINIO_DATA"
  else
    say "not running"
    rm -f "$MINIO_PIDFILE"
  fi
}

do_status() {
  if minio_running; then say "running (pid $(read_pid "$MINIO_PIDFILE")) on $MINIO_URL"
  elif port_open "$MINIO_PORT"; then say "not ours: port $MINIO_PORT served by $(port_owner "$MINIO_PORT")"; return 1
  else say "stopped"; return 1; fi
}

server_main "$@"
