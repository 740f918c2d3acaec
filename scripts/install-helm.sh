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
# CGO off: a static binary, and no C toolchain needed. -s -w: smaller binary, faster link.
# The ldflag sets what `helm version` prints (it is "main" otherwise, and charts with a
# kubeVersion constraint would see a bogus version).
CGO_ENABLED=0 GOBIN="$bin_dir" GOFLAGS="${GOFLAGS:-} -trimpath" go install \
  -ldflags "-s -w -X helm.sh/helm/v3/internal/version.version=$HELM_VERSION" \
  "helm.sh/helm/v3/cmd/helm@$HELM_VERSION" >&2
echo "install-helm.sh: built in $(( $(date +%s) - start ))s" >&2
is_helm3 "$bin_dir/helm" || { echo "install-helm.sh: $bin_dir/helm does not run as helm v3" >&2; exit 1; }
echo "$bin_dir/helm"
