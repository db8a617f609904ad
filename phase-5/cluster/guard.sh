# The process stack and the cluster use the same 127.0.0.1 ports (8000 for the API): only
# one of them may run. Sourced by cluster/up.sh and scripts/dev-up.sh.

# Ports the process stack listens on (scripts/lib/common.sh).
process_stack_ports() { echo "$PG_PORT $KAFKA_PORT $PLACEMENT_PORT $SCHEDULER_PORT 8000 8001 8002"; }

port_listening() { ss -Hltn "sport = :$1" 2>/dev/null | grep -q .; }

# Refuses to start the cluster while the process stack holds its ports.
refuse_if_process_stack() {
  local p
  for p in $(process_stack_ports); do
    if port_listening "$p"; then
      die "the process stack (or another program) listens on 127.0.0.1:$p; stop it first with ./phase-5/scripts/dev-down.sh, then run dev-up.sh --k8s again"
    fi
  done
}

# Refuses to start the process stack while the cluster runs (it forwards the API to :8000).
refuse_if_cluster() {
  local state="${P5_CLUSTER_STATE:-$HOME/.local/state/phase5-cluster}" p
  p=$(cat "$state/run/kube-apiserver.pid" 2>/dev/null) || return 0
  if kill -0 "$p" 2>/dev/null; then
    die "the local Kubernetes cluster is running (it forwards the API to 127.0.0.1:8000); stop it first with ./phase-5/scripts/dev-down.sh --k8s"
  fi
}
