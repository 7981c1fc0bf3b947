#!/usr/bin/env bash
# Generates Python code (messages, gRPC stubs, mypy stubs) from every proto/**/*.proto into
# libs/crm-proto/src/crm_proto/crm, importable as crm_proto.crm.<service>.v1.<file>_pb2.
#   scripts/proto.sh           regenerate the committed code
#   scripts/proto.sh --check   regenerate into a temp dir; fail if the committed code differs
set -euo pipefail
cd "$(dirname "$0")/.."

python=${PYTHON:-.venv/bin/python}
bin=$(dirname "$python")
target=libs/crm-proto/src/crm_proto/crm

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

mapfile -t protos < <(cd proto && find crm -name '*.proto' | LC_ALL=C sort)
if [ ${#protos[@]} -eq 0 ]; then
  echo "proto.sh: no .proto files under proto/" >&2
  exit 1
fi

"$python" -m grpc_tools.protoc \
  --proto_path=proto \
  --plugin=protoc-gen-mypy="$bin/protoc-gen-mypy" \
  --plugin=protoc-gen-mypy_grpc="$bin/protoc-gen-mypy_grpc" \
  --python_out="$work" \
  --grpc_python_out="$work" \
  --mypy_out=quiet:"$work" \
  --mypy_grpc_out=quiet:"$work" \
  "${protos[@]/#/proto/}"

# protoc names modules after their path under proto/ (`crm.customers.v1`); they live inside
# the crm_proto package, so imports between them and the module name given to the
# descriptor builder are rewritten. Wire names ('/crm.customers.v1.X/Y') stay untouched.
find "$work/crm" -name '*.py' -o -name '*.pyi' | LC_ALL=C sort | while read -r file; do
  sed -i -E \
    -e 's/^from crm\./from crm_proto.crm./' \
    -e "s/^(_builder\.BuildTopDescriptorsAndMessages\(DESCRIPTOR, ')crm\./\1crm_proto.crm./" \
    "$file"
  if grep -qE '^import crm\.' "$file"; then
    echo "proto.sh: $file has an 'import crm.' this script does not rewrite" >&2
    exit 1
  fi
done
find "$work/crm" -type d | while read -r dir; do : > "$dir/__init__.py"; done

if [ "${1:-}" = "--check" ]; then
  if ! diff -r -x __pycache__ "$work/crm" "$target"; then
    echo "proto.sh: generated code in $target is stale; run 'make proto'" >&2
    exit 1
  fi
  echo "proto.sh: generated code is current"
else
  rm -rf "$target"
  cp -r "$work/crm" "$target"
fi
