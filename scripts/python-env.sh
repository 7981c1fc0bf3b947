#!/usr/bin/env bash
# Installs the pinned uv into var/tools (from PyPI, with the machine's pip) and syncs the
# workspace's .venv from uv.lock with the machine's Python 3.11. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
UV_VERSION=0.13.9
tools=var/tools
if [ ! -x "$tools/bin/uv" ] || [ "$("$tools/bin/uv" --version | awk '{print $2}')" != "$UV_VERSION" ]; then
  python3.11 -m venv "$tools"
  "$tools/bin/pip" install --quiet "uv==$UV_VERSION"
fi
export UV_PYTHON_DOWNLOADS=never UV_CACHE_DIR="$PWD/var/cache/uv"
if [ -f uv.lock ]; then
  "$tools/bin/uv" sync --locked --python python3.11 --all-packages --quiet
else
  "$tools/bin/uv" sync --python python3.11 --all-packages --quiet
fi
