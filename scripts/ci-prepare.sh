#!/usr/bin/env bash
# Tools the tests need beyond npm packages: helm (for the chart tests), built from the Go module proxy.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-helm.sh >/dev/null
