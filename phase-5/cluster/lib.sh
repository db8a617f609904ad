# Shared paths and helpers of the local one-node cluster. Sourced after scripts/lib/common.sh.
# The node lives in its own network namespace (like a kind node in a container): every
# address other than loopback exists only inside it, and the host reaches the API through
# 127.0.0.1 forwarders bridged by Unix sockets.
source "$P5_ROOT/cluster/versions.sh"

export NETNS=p5node
export NETNS_PATH=/run/netns/$NETNS
export NODE_NAME=p5node
export NODE_IP=10.250.0.1
export SERVICE_CIDR=10.96.0.0/16 API_SERVICE_IP=10.96.0.1 DNS_SERVICE_IP=10.96.0.10
export CLUSTER_CIDR=10.244.0.0/16 POD_CIDR=10.244.0.0/24
# Host-side forwarder of the API server (127.0.0.1 only).
export API_HOST_PORT="${P5_API_PORT:-6443}"
# One cluster per machine; its state is kept apart from the process stack's.
export CSTATE="${P5_CLUSTER_STATE:-$HOME/.local/state/phase5-cluster}"
export CRUN="$CSTATE/run" CLOGS="$CSTATE/logs" PKI="$CSTATE/pki"
export KUBECONFIG_HOST="$CSTATE/kubeconfig"
export CONTAINERD_SOCK="$CRUN/containerd/containerd.sock"
# Paths kubelet and containerd write whatever their root dirs say. The first start records
# which of them did not exist before; `dev-down.sh --k8s --purge` removes exactly those.
FIXED_HOST_PATHS=(/var/lib/kubelet /var/log/pods /var/log/containers /run/containerd /var/lib/cni /run/netns)
record_host_paths() {
  local p list="$CSTATE/created-host-paths"
  mkdir -p "$CSTATE"
  for p in "${FIXED_HOST_PATHS[@]}"; do
    [ -e "$p" ] || grep -qx "$p" "$list" 2>/dev/null || echo "$p" >>"$list"
  done
}
export NODE_PATH_DIRS="$CLUSTER_BIN:$K8S_BIN:/usr/sbin:/usr/bin:/sbin:/bin"

in_node() { nsenter --net="$NETNS_PATH" -- "$@"; }
kc() { "$K8S_BIN/kubectl" --kubeconfig "$KUBECONFIG_HOST" "$@"; }

# A node daemon: runs inside the namespace, detached, pid and log under $CSTATE.
node_running() { local p; p=$(cat "$CRUN/$1.pid" 2>/dev/null) && kill -0 "$p" 2>/dev/null; }
start_node_proc() {
  local name=$1; shift
  node_running "$name" && return 0
  mkdir -p "$CRUN" "$CLOGS"
  PATH="$NODE_PATH_DIRS" setsid nsenter --net="$NETNS_PATH" -- "$@" >>"$CLOGS/$name.log" 2>&1 </dev/null &
  echo $! >"$CRUN/$name.pid"
  check_started "$name"
}
# A daemon that dies at once (bad flag, missing binary, port taken) is reported right away.
check_started() {
  sleep 0.5
  node_running "$1" || die "$1 exited during start; last log lines:
$(tail -n 15 "$CLOGS/$1.log")"
}
start_host_proc() {
  local name=$1; shift
  node_running "$name" && return 0
  mkdir -p "$CRUN" "$CLOGS"
  setsid "$@" >>"$CLOGS/$name.log" 2>&1 </dev/null &
  echo $! >"$CRUN/$name.pid"
  check_started "$name"
}
stop_node_proc() {
  local name=$1 wait=${2:-20} p i
  p=$(cat "$CRUN/$name.pid" 2>/dev/null) || return 0
  if kill -0 "$p" 2>/dev/null; then
    kill -TERM "$p" 2>/dev/null || true
    for ((i = 0; i < wait * 10; i++)); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$p" 2>/dev/null && { log "$name did not stop in ${wait}s; killing it"; kill -KILL "$p" 2>/dev/null || true; }
  fi
  rm -f "$CRUN/$name.pid"
}

wait_for() {
  local what=$1 secs=$2 i; shift 2
  for ((i = 0; i < secs * 5; i++)); do "$@" >/dev/null 2>&1 && return 0; sleep 0.2; done
  die "$what not ready after ${secs}s (logs: $CLOGS)"
}

cluster_up() { [ -e "$NETNS_PATH" ] && node_running kube-apiserver; }
