#!/usr/bin/env bash
# Starts the local one-node Kubernetes cluster (building what is missing, cached by version)
# and, unless --node-only, installs the platform on it: images, the official Dapr control
# plane with mTLS, our chart; then waits for every pod to be Ready and forwards the API to
# 127.0.0.1:8000 and the web app to 127.0.0.1:3000. Idempotent: a second run starts only what is down.
#   cluster/up.sh [--node-only] [--no-forward] [--values FILE]...
source "$(dirname "$0")/../scripts/lib/common.sh"
source "$P5_ROOT/cluster/lib.sh"
source "$P5_ROOT/cluster/guard.sh"
source "$P5_ROOT/cluster/pki.sh"
source "$P5_ROOT/cluster/node.sh"
source "$P5_ROOT/cluster/platform.sh"

node_only=0 forward=1 extra_values=()
while [ $# -gt 0 ]; do
  case "$1" in
    --node-only) node_only=1 ;;
    --no-forward) forward=0 ;;
    --values) extra_values+=(--values "$2"); shift ;;
    *) die "unknown option $1 (use --node-only, --no-forward, --values FILE)" ;;
  esac
  shift
done

[ "$(id -u)" = 0 ] || die "the local cluster needs root (network namespace, containerd, kubelet); run with sudo"
cluster_up || refuse_if_ports_taken "$API_HOST_PORT"
[ $node_only = 1 ] || [ $forward = 0 ] || node_running forward-api || refuse_if_ports_taken "$API_FORWARD_PORT"
[ $node_only = 1 ] || [ $forward = 0 ] || node_running forward-web || refuse_if_ports_taken "$WEB_FORWARD_PORT"

t0=$SECONDS
bash "$P5_ROOT/scripts/install-cluster.sh"
[ $node_only = 1 ] || ensure_tools
t_install=$SECONDS

record_host_paths
ensure_netns
ensure_pki
# scripts/helm.sh looks for the local cluster's kubeconfig at $STATE/k8s/kubeconfig.
mkdir -p "$STATE/k8s" && ln -sfn "$KUBECONFIG_HOST" "$STATE/k8s/kubeconfig"
write_configs
start_etcd
start_containerd
bash "$P5_ROOT/images/build.sh" --import pause coredns
start_control_plane
kc apply -f "$P5_ROOT/cluster/addons/kube-router-rbac.yaml" >/dev/null
ensure_volumes
start_kubelet
wait_for "node $NODE_NAME Ready" 120 node_ready
start_kube_router
envsubst '${COREDNS_VERSION} ${DNS_SERVICE_IP}' <"$P5_ROOT/cluster/addons/coredns.yaml" | kc apply -f - >/dev/null
kc -n kube-system rollout status deploy/coredns --timeout 120s >/dev/null
log "node Ready with DNS in $((SECONDS - t_install)) s (install step took $((t_install - t0)) s)"
[ $node_only = 1 ] && { log "kubeconfig: $KUBECONFIG_HOST"; exit 0; }

install_platform "${extra_values[@]}"
[ $forward = 1 ] && start_forward
log "platform up in $((SECONDS - t0)) s"
print_cluster_status
