#!/usr/bin/env bash
# Stops the local cluster: the API forward, then every pod (SIGTERM with a grace period,
# through CRI so CNI releases addresses), then the node's daemons. Keeps etcd, images and
# volumes. --purge also removes the cluster's state and every host path kubelet, containerd
# and the CNI plugins wrote, and the p5node network namespace.
#   cluster/down.sh [--purge]
source "$(dirname "$0")/../scripts/lib/common.sh"
source "$P5_ROOT/cluster/lib.sh"

purge=0
case "${1:-}" in --purge) purge=1 ;; "") ;; *) die "unknown option $1 (use --purge)" ;; esac
[ "$(id -u)" = 0 ] || die "the local cluster needs root; run with sudo"

crictl_() { "$CLUSTER_BIN/crictl" --runtime-endpoint "unix://$CONTAINERD_SOCK" --timeout 60s "$@"; }

stop_group() {  # the forward loop: its whole process group
  local p; p=$(cat "$CRUN/$1.pid" 2>/dev/null) || return 0
  kill -TERM -- "-$p" 2>/dev/null || true
  rm -f "$CRUN/$1.pid" "$CRUN/$1.port"
}

for p in "$CRUN"/forward-*.pid; do [ -e "$p" ] && stop_group "$(basename "$p" .pid)"; done
# kubelet first, or it restarts what we stop.
stop_node_proc kube-router
stop_node_proc kubelet
stop_node_proc kube-proxy
if node_running containerd && [ -x "$CLUSTER_BIN/crictl" ]; then
  # Every container gets SIGTERM at once and up to 30 s to finish (daprd drains first).
  for id in $(crictl_ ps -q 2>/dev/null || true); do
    crictl_ stop --timeout 30 "$id" >/dev/null 2>&1 &
  done
  wait
  if [ $purge = 1 ]; then
    crictl_ rmp -af >/dev/null 2>&1 || true
  else
    for pod in $(crictl_ pods -q 2>/dev/null); do crictl_ stopp "$pod" >/dev/null 2>&1 || true; done
  fi
fi
stop_node_proc kube-scheduler
stop_node_proc kube-controller-manager
stop_node_proc api-forward-host
stop_node_proc api-forward-node
stop_node_proc kube-apiserver
stop_node_proc etcd 30
stop_node_proc containerd 30
# Shims whose tasks outlived containerd (only ours: their socket paths name our state dir).
for pid in $(pgrep -f "containerd-shim-runc-v2 .*-address $CRUN/containerd" 2>/dev/null || true); do
  kill -KILL "$pid" 2>/dev/null || true
done

# Mounts left by kubelet (secret/projected volumes) and containerd (rootfs, shm, pod netns).
unmount_under() {
  local m
  for m in $(findmnt -rn -o TARGET | grep -E "^($1)" | sort -r); do umount -l "$m" 2>/dev/null || true; done
}
unmount_under "/var/lib/kubelet(/|$)|/run/containerd(/|$)|$CSTATE/"
log "cluster stopped (state kept in $CSTATE)"

[ $purge = 1 ] || exit 0
# Pod network namespaces our containerd made (the CNI DEL above released their addresses).
for ns in /run/netns/cni-*; do
  [ -e "$ns" ] || continue
  grep -q "$ns" /proc/self/mountinfo && umount -l "$ns" 2>/dev/null || true
  rm -f "$ns"
done
# The node's namespace takes its iptables rules, bridge, routes and addresses with it.
[ -e "$NETNS_PATH" ] && ip netns delete "$NETNS"
# kubepods cgroups kubelet made under every v1 hierarchy.
for d in /sys/fs/cgroup/*/kubepods /sys/fs/cgroup/*/kubepods.slice; do
  [ -d "$d" ] && find "$d" -depth -type d -exec rmdir {} + 2>/dev/null || true
done
created=$(cat "$CSTATE/created-host-paths" 2>/dev/null || true)
for p in $created; do
  if [ "$p" = /run/netns ]; then
    # ip netns made it a mount point; left alone while anyone else keeps a namespace there.
    [ -z "$(ls -A /run/netns 2>/dev/null)" ] || continue
    umount /run/netns 2>/dev/null || true
    rmdir /run/netns 2>/dev/null || true
    continue
  fi
  rm -rf "$p"
done
rm -rf "$CSTATE"
[ -L "$STATE/k8s/kubeconfig" ] && rm -f "$STATE/k8s/kubeconfig"
log "cluster purged: $CSTATE" $created
