#!/usr/bin/env bash
# Prints the cluster's resident memory: the node's daemons (etcd, containerd and its shims,
# the control plane, kubelet, kube-proxy, kube-router, forwarders) plus every pod process.
source "$(dirname "$0")/../scripts/lib/common.sh"
source "$P5_ROOT/cluster/lib.sh"
pids=()
for f in "$CRUN"/*.pid; do [ -e "$f" ] && pids+=("$(cat "$f")"); done
pids+=($(pgrep -f "containerd-shim-runc-v2 .*$CRUN/containerd" || true))
for procs in $(find /sys/fs/cgroup/memory/kubepods -name cgroup.procs 2>/dev/null); do
  pids+=($(cat "$procs"))
done
printf '%s\n' "${pids[@]}" | sort -u | while read -r p; do
  awk '/^VmRSS:/ {print $2}' "/proc/$p/status" 2>/dev/null
done | awk '{kb += $1} END {printf "cluster RSS: %.0f MiB\n", kb / 1024}'
