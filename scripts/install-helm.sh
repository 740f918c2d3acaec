#!/usr/bin/env bash
# Installs Helm v3 into <repo>/.tools/bin/helm, built from source through the Go module proxy
# (the only way to get it here: no download sites). Idempotent: a helm v3 already on PATH or
# already in .tools/bin is used as is. Prints the path of the helm binary on stdout.
set -euo pipefail

HELM_VERSION="${HELM_VERSION:-v3.22.0}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin_dir="$root/.tools/bin"

is_helm3() { [ -x "$1" ] && "$1" version --short 2>/dev/null | grep -q '^v3\.'; }

if [ -n "${HELM_BIN:-}" ] && is_helm3 "$HELM_BIN"; then echo "$HELM_BIN"; exit 0; fi
if is_helm3 "$bin_dir/helm"; then echo "$bin_dir/helm"; exit 0; fi
if on_path="$(command -v helm 2>/dev/null)" && is_helm3 "$on_path"; then echo "$on_path"; exit 0; fi

if ! command -v go >/dev/null 2>&1; then
  if [ -x /usr/local/go/bin/go ]; then export PATH="/usr/local/go/bin:$PATH"; else
    echo "install-helm.sh: no helm v3 and no Go toolchain to build it (need go >= 1.24)" >&2; exit 1
  fi
fi

mkdir -p "$bin_dir"
start=$(date +%s)
echo "install-helm.sh: building helm $HELM_VERSION with $(go version | cut -d' ' -f3) (first time: a few minutes)" >&2
# The ldflags are those of Helm's own Makefile: the version `helm version` prints, and the
# Kubernetes version (that of its client-go) which `helm template`/`lint` assume, else 1.20.
gomod="$(go mod download -json "helm.sh/helm/v3@$HELM_VERSION" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",*$/\1/p')"
k8s_minor="$(sed -n 's#^[[:space:]]*k8s.io/client-go v0\.\([0-9][0-9]*\)\..*#\1#p' "$gomod" | head -n1)"
[ -n "$k8s_minor" ] || { echo "install-helm.sh: cannot read the client-go version from $gomod" >&2; exit 1; }
ld="-s -w -X helm.sh/helm/v3/internal/version.version=$HELM_VERSION"
for pkg in pkg/chartutil pkg/lint/rules; do
  ld="$ld -X helm.sh/helm/v3/$pkg.k8sVersionMajor=1 -X helm.sh/helm/v3/$pkg.k8sVersionMinor=$k8s_minor"
done
# CGO off: a static binary, and no C toolchain needed. -s -w: smaller binary, faster link.
CGO_ENABLED=0 GOBIN="$bin_dir" GOFLAGS="${GOFLAGS:-} -trimpath" go install -ldflags "$ld" \
  "helm.sh/helm/v3/cmd/helm@$HELM_VERSION" >&2
echo "install-helm.sh: built in $(( $(date +%s) - start ))s" >&2
is_helm3 "$bin_dir/helm" || { echo "install-helm.sh: $bin_dir/helm does not run as helm v3" >&2; exit 1; }
echo "$bin_dir/helm"
