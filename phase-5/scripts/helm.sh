#!/usr/bin/env bash
# Runs the project's helm (v$HELM_VERSION, built from the Go module proxy) against the local
# cluster, or against whatever cluster KUBECONFIG names when it is set.
#   phase-5/scripts/helm.sh list -A
#   phase-5/scripts/helm.sh template phase5 phase-5/charts/phase5 -f phase-5/charts/phase5/values-local.yaml
source "$(dirname "$0")/lib/common.sh"
bash "$(dirname "$0")/install-helm.sh"
# The local cluster's kubeconfig (written by dev-up.sh --k8s); P5_KUBECONFIG overrides.
local_kubeconfig="${P5_KUBECONFIG:-$STATE/k8s/kubeconfig}"
if [ -z "${KUBECONFIG:-}" ] && [ -f "$local_kubeconfig" ]; then
  export KUBECONFIG="$local_kubeconfig"
fi
# helm keeps its cache/config/data under the state directory, not in the user's home.
export HELM_CACHE_HOME="${HELM_CACHE_HOME:-$STATE/helm/cache}"
export HELM_CONFIG_HOME="${HELM_CONFIG_HOME:-$STATE/helm/config}"
export HELM_DATA_HOME="${HELM_DATA_HOME:-$STATE/helm/data}"
exec "$BIN/helm" "$@"
