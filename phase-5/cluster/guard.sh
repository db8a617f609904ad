# The process stack and the cluster both serve the API on 127.0.0.1:8000: only one of them
# may hold it. Sourced by cluster/up.sh and scripts/dev-up.sh.

port_listening() { ss -Hltn "sport = :$1" 2>/dev/null | grep -q .; }

# Refuses to start the cluster while something (the process stack, usually) holds a port
# the cluster is about to take: the API forward and the API server's forwarder.
refuse_if_ports_taken() {
  local p
  for p in "$@"; do
    if port_listening "$p"; then
      die "127.0.0.1:$p is in use (by the process stack if dev-up.sh started it); stop it first with ./phase-5/scripts/dev-down.sh, then run dev-up.sh --k8s again"
    fi
  done
}

# Refuses to start the process stack while the cluster forwards the API to :8000.
refuse_if_cluster() {
  local state="${P5_CLUSTER_STATE:-$HOME/.local/state/phase5-cluster}" p port
  p=$(cat "$state/run/forward-api.pid" 2>/dev/null) || return 0
  port=$(cat "$state/run/forward-api.port" 2>/dev/null || echo 8000)
  if kill -0 "$p" 2>/dev/null && [ "$port" = 8000 ]; then
    die "the local Kubernetes cluster forwards the API to 127.0.0.1:8000; stop it first with ./phase-5/scripts/dev-down.sh --k8s"
  fi
}
