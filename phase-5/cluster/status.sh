#!/usr/bin/env bash
# Prints the local cluster's state: node, pods, kubeconfig, the API forward.
source "$(dirname "$0")/../scripts/lib/common.sh"
source "$P5_ROOT/cluster/lib.sh"
source "$P5_ROOT/cluster/guard.sh"
source "$P5_ROOT/cluster/platform.sh"
print_cluster_status
