#!/usr/bin/env bash
# Checks after the tests: the Helm chart lints strictly and renders on its defaults and full values.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/check-chart.sh
