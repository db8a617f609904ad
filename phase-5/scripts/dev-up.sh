#!/usr/bin/env bash
# Sets up (installer, cached) and starts the whole stack on this machine: PostgreSQL, then
# Kafka with what does not need it (trace store, Prometheus, placement, scheduler, the
# apps' processes), then the topics and every app's daprd sidecar. Idempotent: a second
# run starts only what is down.
#   dev-up.sh            install if needed, start everything, print what runs where
#   dev-up.sh --status   say what is up
#   dev-up.sh --no-reload   run the API without uvicorn --reload (CI, benchmarks)
#   dev-up.sh --restart APP  restart one app (and nothing else), e.g. after a code change
#                            (APP may be `web`; a changed web app is rebuilt and restarted anyway)
#   dev-up.sh --k8s [...]    the platform on a local one-node Kubernetes instead (cluster/up.sh)
source "$(dirname "$0")/lib/common.sh"
[ "${1:-}" = --k8s ] && { shift; exec bash "$P5_ROOT/cluster/up.sh" "$@"; }
source "$P5_ROOT/cluster/guard.sh"
source "$P5_ROOT/scripts/lib/procs.sh"
source "$P5_ROOT/scripts/lib/stack.sh"

RELOAD=1
case "${1:-}" in
  --status) print_status; bash "$P5_ROOT/cluster/status.sh"; exit 0 ;;
  --no-reload) RELOAD=0 ;;
  --restart)
    [ -n "${2:-}" ] || die "usage: dev-up.sh --restart APP (todo-api, recurring-task-service, notification-service, chatbot-mcp, web)"
    [ "$2" = web ] || grep -q "^$2 " <<<"$(printf '%s\n' "${APPS[@]}")" || die "unknown app $2"
    stop_proc "$2"; RELOAD=0 ;;
  "") ;;
  *) die "unknown option $1 (use --status or --no-reload)" ;;
esac
[ "${CI:-}" = true ] && RELOAD=0

refuse_if_cluster
t0=$SECONDS
bash "$P5_ROOT/scripts/install.sh"
ensure_secrets
reserve_stack_ports
start_postgres
# Kafka's JVM boots for a few seconds; everything that does not need it starts meanwhile,
# the apps included (they wait for their sidecars, which wait for Kafka).
start_kafka
start_zipkin
start_alertmanager
start_prometheus
start_kafka_exporter
start_placement
start_scheduler
for row in "${APPS[@]}"; do start_app_process $row; done
start_web
wait_kafka
ensure_topics
for row in "${APPS[@]}"; do start_sidecar $row; done
for row in "${APPS[@]}"; do wait_app $row; done
wait_web
wait_until zipkin 90 http_ok "http://127.0.0.1:$ZIPKIN_PORT/health"
wait_until prometheus 60 http_ok "http://127.0.0.1:$PROMETHEUS_PORT/-/ready"
wait_until alertmanager 30 http_ok "http://127.0.0.1:$ALERTMANAGER_PORT/-/ready"
wait_until kafka-exporter 30 http_ok "http://127.0.0.1:$KAFKA_EXPORTER_PORT/healthz"
log "stack healthy in $((SECONDS - t0)) s"
print_status
