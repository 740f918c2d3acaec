#!/usr/bin/env bash
# Lints and renders the Helm chart: defaults, the full values file (every optional part on) and
# the shapes the full file hides (running instead of replaying, HPA instead of KEDA). Exits
# non-zero on the first failure. Helm comes from scripts/install-helm.sh.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
helm="$(bash "$root/scripts/install-helm.sh")"
chart="$root/deploy/helm/dotdigital-sync"
full="$chart/ci/full-values.yaml"
# Pinned so the result does not depend on how the helm binary was built.
kube=(--kube-version 1.30.0)

run() {
  local name="$1"; shift
  if ! out="$("$helm" "$@" 2>&1)"; then
    printf '%s\n' "$out" >&2
    echo "check-chart: FAILED: $name" >&2
    exit 1
  fi
  echo "check-chart: ok: $name"
}

run "lint defaults" lint --strict "${kube[@]}" "$chart"
run "lint full values" lint --strict "${kube[@]}" "$chart" -f "$full"
run "template defaults" template dds "$chart" "${kube[@]}"
run "template full values" template dds "$chart" "${kube[@]}" -f "$full"
run "template full values, running (no replay)" template dds "$chart" "${kube[@]}" -f "$full" --set replay.enabled=false
run "template full values, HPA" template dds "$chart" "${kube[@]}" -f "$full" --set replay.enabled=false --set autoscaling.kind=hpa
run "template full values, existing Secrets as files" template dds "$chart" "${kube[@]}" -f "$full" \
  --set secrets.values=null --set secrets.existingSecret=dds-settings \
  --set secrets.existingSecretKeys.REDIS_PASSWORD=redis-password --set secrets.existingSecretKeys.KAFKA_SASL_PASSWORD=sasl \
  --set connectors.passwords.values=null --set connectors.passwords.existingSecret=dds-connectors --set connectors.passwords.asFiles=true
echo "check-chart: all checks passed"
