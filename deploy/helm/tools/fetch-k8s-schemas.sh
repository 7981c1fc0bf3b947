#!/usr/bin/env bash
# Puts Kubernetes JSON schemas for kubeconform into var/cache/k8s-schemas/, offline after the
# first run. The schemas come from the PyPI package kubernetes-validate, which ships them
# (kubernetes-json-schema/v<version>-local-strict/<kind>-<group>-<version>.json); no other
# registry serves them here. Their $ids and $refs point at https://kubernetes.io/api/, which
# kubeconform would fetch: they are rewritten to refer to _definitions.json beside each file.
# Idempotent.
#
#   deploy/helm/tools/fetch-k8s-schemas.sh [KUBERNETES_VERSION...]   (default: 1.25.0 1.37.0)
set -euo pipefail
cd "$(dirname "$0")/../../.."
PACKAGE_VERSION=1.37.0
dest=var/cache/k8s-schemas
versions=("$@")
[ ${#versions[@]} -gt 0 ] || versions=(1.25.0 1.37.0)

missing=()
for v in "${versions[@]}"; do
  [ -f "$dest/v$v-local-strict/.complete" ] || missing+=("$v")
done
[ ${#missing[@]} -gt 0 ] || exit 0

wheel_dir="$dest/wheel"
wheel=$(ls "$wheel_dir"/kubernetes_validate-"$PACKAGE_VERSION"-*.whl 2>/dev/null | head -n1 || true)
if [ -z "$wheel" ]; then
  pip=(python3 -m pip)
  [ -x var/tools/bin/pip ] && pip=(var/tools/bin/pip)
  "${pip[@]}" download --quiet --no-deps --only-binary=:all: -d "$wheel_dir" \
    "kubernetes-validate==$PACKAGE_VERSION"
  wheel=$(ls "$wheel_dir"/kubernetes_validate-"$PACKAGE_VERSION"-*.whl | head -n1)
fi

python3 - "$wheel" "$dest" "${missing[@]}" <<'PY'
import json
import sys
import zipfile
from pathlib import Path

REMOTE = "/api/_definitions.json#"


def localise(node):
    """Make every reference to the shared definitions relative to the schema's own folder."""
    if isinstance(node, dict):
        return {
            k: ("_definitions.json#" + v[len(REMOTE):])
            if k == "$ref" and isinstance(v, str) and v.startswith(REMOTE)
            else localise(v)
            for k, v in node.items()
        }
    if isinstance(node, list):
        return [localise(v) for v in node]
    return node


wheel, dest, versions = sys.argv[1], Path(sys.argv[2]), sys.argv[3:]
prefix = "kubernetes_validate/kubernetes-json-schema/"
with zipfile.ZipFile(wheel) as z:
    names = z.namelist()
    for version in versions:
        folder = f"v{version}-local-strict/"
        members = [n for n in names if n.startswith(prefix + folder) and n.endswith(".json")]
        if not members:
            available = sorted({n[len(prefix):].split("/")[0] for n in names if n.startswith(prefix)})
            sys.exit(f"kubernetes-validate has no schemas for {version}; it has {available}")
        for name in members:
            target = dest / name[len(prefix):]
            target.parent.mkdir(parents=True, exist_ok=True)
            schema = json.loads(z.read(name))
            schema.pop("$id", None)
            target.write_text(json.dumps(localise(schema)))
        (dest / folder / ".complete").write_text("")
        print(f"{dest}/{folder}: {len(members)} schemas")
PY
