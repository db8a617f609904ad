#!/usr/bin/env bash
# kubectl (built by install-cluster.sh) against the local cluster, e.g.
#   ./phase-5/scripts/kubectl.sh get pods -A
source "$(dirname "$0")/lib/common.sh"
source "$P5_ROOT/cluster/lib.sh"
[ -f "$KUBECONFIG_HOST" ] || die "no local cluster (start it with ./phase-5/scripts/dev-up.sh --k8s)"
exec "$K8S_BIN/kubectl" --kubeconfig "$KUBECONFIG_HOST" "$@"
