#!/usr/bin/env bash
# Prints the cluster's resident memory: each node daemon (etcd, containerd, the control
# plane, kubelet, kube-proxy, kube-router, forwarders), the containerd shims, and all pod
# processes together, then the total.
source "$(dirname "$0")/../scripts/lib/common.sh"
source "$P5_ROOT/cluster/lib.sh"
rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status" 2>/dev/null || true; }
sum_kb() { local p t=0 r; for p in "$@"; do r=$(rss_kb "$p"); t=$((t + ${r:-0})); done; echo $t; }
total=0 line=""
for f in "$CRUN"/*.pid; do
  [ -e "$f" ] || continue
  name=$(basename "$f" .pid) kb=$(sum_kb "$(cat "$f")")
  total=$((total + kb)); line+=" $name $((kb / 1024))"
done
shims=$(sum_kb $(pgrep -f "containerd-shim-runc-v2 .*$CRUN/containerd" || true))
pods=$(sum_kb $(cat $(find /sys/fs/cgroup/memory/kubepods -name cgroup.procs 2>/dev/null) 2>/dev/null | sort -u))
total=$((total + shims + pods))
echo "cluster RSS: $((total / 1024)) MiB (pods $((pods / 1024)), shims $((shims / 1024)),$line MiB)"
