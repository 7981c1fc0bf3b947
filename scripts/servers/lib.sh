# shellcheck shell=bash disable=SC2034
# Shared helpers for scripts/servers/*.sh (sourced, not run).
# Layout (all git-ignored, created on demand):
#   var/data/<server>   data            var/log/<server>.log   logs
#   var/run/            pid files       var/cache/             downloads and built binaries
#   var/opt/            unpacked software   var/etc/<server>/  generated config

SERVERS_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$SERVERS_DIR/../.." && pwd)"
VAR="$ROOT/var"
VAR_DATA="$VAR/data"
VAR_LOG="$VAR/log"
VAR_RUN="$VAR/run"
VAR_CACHE="$VAR/cache"
VAR_OPT="$VAR/opt"
VAR_ETC="$VAR/etc"
VAR_TMP="$VAR/tmp"
CACHE_BIN="$VAR_CACHE/bin"

# shellcheck source=versions.sh
source "$SERVERS_DIR/versions.sh"

JAVA_HOME_17="${CRM_JAVA_HOME:-/usr/lib/jvm/java-17-openjdk-amd64}"
# Maven local repository: the machine's ~/.m2 by default (shared by clones), CRM_M2_REPO to override.
M2_REPO="${CRM_M2_REPO:-}"

SERVER_NAME="${SERVER_NAME:-servers}"

say() { printf '[%s] %s\n' "$SERVER_NAME" "$*"; }
die() { printf '[%s] ERROR: %s\n' "$SERVER_NAME" "$*" >&2; exit 1; }

ensure_dirs() {
  mkdir -p "$VAR_DATA" "$VAR_LOG" "$VAR_RUN" "$VAR_CACHE" "$CACHE_BIN" "$VAR_OPT" "$VAR_ETC" "$VAR_TMP"
}

# ---------------------------------------------------------------- packages
_APT_UPDATED=0
pkg_installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q '^install ok installed$'; }

# apt_install PKG...: installs the packages that are missing; runs apt-get update once, only if needed.
apt_install() {
  local missing=() p
  for p in "$@"; do pkg_installed "$p" || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  [ "$(id -u)" = 0 ] || die "need root to apt-get install ${missing[*]}"
  say "apt-get install ${missing[*]}"
  if [ "$_APT_UPDATED" = 0 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
    _APT_UPDATED=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

need_cmd() { # need_cmd CMD PACKAGE
  command -v "$1" >/dev/null 2>&1 || apt_install "$2"
}

ensure_system_user() { # ensure_system_user NAME: an unprivileged system user to run a server that refuses root
  id -u "$1" >/dev/null 2>&1 && return 0
  say "creating system user $1"
  useradd --system --user-group --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$1"
}

# ensure_traversable USER DIR: USER (postgres, opensearch) must be able to reach DIR; a clone under a
# 0700 directory (e.g. /root) would stop it, so such ancestors get o+x (search only, no listing).
ensure_traversable() {
  local user=$1 dir=$2 d=""
  runuser -u "$user" -- test -x "$dir" 2>/dev/null && return 0
  local IFS=/ part
  for part in $dir; do
    [ -n "$part" ] || continue
    d="$d/$part"
    if ! runuser -u "$user" -- test -x "$d" 2>/dev/null; then
      say "chmod o+x $d (so that user $user can reach ${dir})"
      chmod o+x "$d"
    fi
  done
}

# ---------------------------------------------------------------- network
port_open() { # port_open PORT [HOST]: true if something accepts TCP connections there
  timeout 2 bash -c "exec 3<>/dev/tcp/${2:-127.0.0.1}/$1" 2>/dev/null
}

wait_for_port() { # wait_for_port PORT TIMEOUT_S [HOST]
  local port=$1 t=$2 host=${3:-127.0.0.1} i=0
  while ! port_open "$port" "$host"; do
    i=$((i + 1)); [ "$i" -ge $((t * 4)) ] && return 1
    sleep 0.25
  done
}

wait_until() { # wait_until TIMEOUT_S CMD...: runs CMD every 0.5s until it succeeds
  local t=$1 i=0; shift
  until "$@" >/dev/null 2>&1; do
    i=$((i + 1)); [ "$i" -ge $((t * 2)) ] && return 1
    sleep 0.5
  done
}

http_ok() { curl -fsS -o /dev/null --max-time 5 "$@" 2>/dev/null; }

# port_owner PORT: "pid N (program)" of the process listening on 127.0.0.1:PORT, if ss can tell
port_owner() {
  command -v ss >/dev/null 2>&1 || return 0
  ss -Hltnp "sport = :$1" 2>/dev/null | grep -o 'users:(("[^"]*",pid=[0-9]*' | head -n 1 \
    | sed -E 's/users:\(\("([^"]*)",pid=([0-9]*)/pid \2 (\1)/'
}

# A port may already be served by the same kind of server started from another checkout of this
# project (e.g. CI's fresh clone while a developer's servers run). If it answers like ours (same
# credentials), it is used as is and never stopped by down.sh; otherwise the start fails.
use_foreign_or_die() { # use_foreign_or_die PORT PROBE_CMD...
  local port=$1; shift
  if "$@" >/dev/null 2>&1; then
    say "port $port is already served by $(port_owner "$port" || true) not started from this checkout; it answers with our settings, using it (down.sh will not stop it)"
    return 0
  fi
  die "port $port is taken by $(port_owner "$port" || echo 'a process') that we did not start and that does not answer as expected; stop it first"
}

# ---------------------------------------------------------------- pid files
read_pid() { [ -f "$1" ] && head -n 1 "$1" | tr -dc '0-9'; }

# pid_matches PID PATTERN...: the process is alive and its command line contains every PATTERN
pid_matches() {
  local pid=$1 cmd p; shift
  [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] || return 1
  cmd="$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)" || return 1
  for p in "$@"; do [[ "$cmd" == *"$p"* ]] || return 1; done
}

# pidfile_alive PIDFILE PATTERN...: the pid file names a live process of that program
pidfile_alive() { local f=$1; shift; pid_matches "$(read_pid "$f")" "$@"; }

# stop_pidfile PIDFILE TIMEOUT_S PATTERN...: SIGTERM (then SIGKILL after the timeout) the process of
# the pid file, only if it still is that program; removes the pid file.
stop_pidfile() {
  local f=$1 t=$2 pid i=0; shift 2
  pid="$(read_pid "$f" || true)"
  if [ -n "$pid" ] && pid_matches "$pid" "$@"; then
    kill -TERM "$pid" 2>/dev/null || true
    while kill -0 "$pid" 2>/dev/null; do
      i=$((i + 1))
      if [ "$i" -ge $((t * 4)) ]; then
        say "pid $pid did not stop in ${t}s, sending SIGKILL"
        kill -KILL "$pid" 2>/dev/null || true
        sleep 0.5
        break
      fi
      sleep 0.25
    done
  elif [ -n "$pid" ]; then
    say "pid $pid in $(basename "$f") is not ours any more; not killing it"
  fi
  rm -f "$f"
}

show_log_tail() { [ -f "$1" ] && { echo "---- last lines of $1" >&2; tail -n "${2:-30}" "$1" >&2; }; return 0; }

# ---------------------------------------------------------------- go install
GO_BIN="${GO:-}"
find_go() {
  [ -n "$GO_BIN" ] && return 0
  if [ -x /usr/local/go/bin/go ]; then GO_BIN=/usr/local/go/bin/go
  elif command -v go >/dev/null 2>&1; then GO_BIN="$(command -v go)"
  else die "Go toolchain not found (expected /usr/local/go/bin/go)"; fi
}

# go_bin_version BINARY MODULE: the version of MODULE the binary was built from ('' if unknown)
go_bin_version() {
  find_go
  [ -x "$1" ] || return 0
  "$GO_BIN" version -m "$1" 2>/dev/null | awk -v m="$2" '$1 == "mod" && $2 == m { print $3 }'
}

# go_install_pinned NAME PACKAGE MODULE VERSION: builds PACKAGE@VERSION into var/cache/bin/NAME unless
# that binary already reports that module version. Uses the machine's Go module and build caches.
go_install_pinned() {
  local name=$1 pkg=$2 mod=$3 ver=$4 have
  ensure_dirs
  find_go
  have="$(go_bin_version "$CACHE_BIN/$name" "$mod")"
  if [ "$have" = "$ver" ]; then
    say "$name $ver already built"
    [ -f "$CACHE_BIN/.$name.version" ] || printf '%s@%s\n' "$pkg" "$ver" >"$CACHE_BIN/.$name.version"
    return 0
  fi
  local log="$VAR_LOG/go-install-$name.log"
  say "go install $pkg@$ver (can take minutes; log ${log#"$ROOT"/})"
  GOBIN="$CACHE_BIN" GOFLAGS="${GOFLAGS:-} -buildvcs=false" "$GO_BIN" install "$pkg@$ver" >"$log" 2>&1 \
    || { show_log_tail "$log" 40; die "go install $pkg@$ver failed"; }
  have="$(go_bin_version "$CACHE_BIN/$name" "$mod")"
  [ "$have" = "$ver" ] || die "$name: built binary reports '$have', expected $ver"
  printf '%s@%s\n' "$pkg" "$ver" >"$CACHE_BIN/.$name.version"
}

# ---------------------------------------------------------------- dispatch
# server_main ACTION: calls the per-server functions do_install / do_launch / do_ready / do_stop / do_status.
# start = launch (no-op if running) + ready (wait until it answers, then provision users).
server_main() {
  local action=${1:-}
  case "$action" in
    install) ensure_dirs; do_install ;;
    launch)  ensure_dirs; do_launch ;;
    ready)   do_ready ;;
    start)   ensure_dirs; do_launch; do_ready ;;
    stop)    do_stop ;;
    status)  do_status ;;
    *) echo "usage: $0 install|start|stop|status  (also: launch, ready)" >&2; exit 2 ;;
  esac
}
