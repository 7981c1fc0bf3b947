#!/usr/bin/env bash
# Builds the pinned command-line tools (not servers) into var/cache/bin with 'go install', one at a
# time (the machine has 2 cores). Skips a tool whose binary already reports the pinned version.
# Usage: tools.sh [NAME...]   (default: all of buf grpcurl helm kubeconform)
set -euo pipefail
SERVER_NAME=tools
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"

install_tool() {
  case "$1" in
    buf)         go_install_pinned buf "$BUF_PKG" "$BUF_MODULE" "$BUF_VERSION" ;;
    grpcurl)     go_install_pinned grpcurl "$GRPCURL_PKG" "$GRPCURL_MODULE" "$GRPCURL_VERSION" ;;
    helm)        go_install_pinned helm "$HELM_PKG" "$HELM_MODULE" "$HELM_VERSION" ;;
    kubeconform) go_install_pinned kubeconform "$KUBECONFORM_PKG" "$KUBECONFORM_MODULE" "$KUBECONFORM_VERSION" ;;
    *) die "unknown tool $1 (known: buf grpcurl helm kubeconform)" ;;
  esac
}

ensure_dirs
find_go
[ $# -gt 0 ] || set -- buf grpcurl helm kubeconform
for t in "$@"; do install_tool "$t"; done
say "tools in ${CACHE_BIN#"$ROOT"/}: $*"
