#!/usr/bin/env bash
# Stops the stack gracefully (SIGTERM, wait, then report anything that would not stop).
# Keeps all data; --purge also wipes databases, Kafka logs, scheduler data and secrets.
# --k8s [--purge] stops (or wipes) the local Kubernetes cluster instead (cluster/down.sh).
source "$(dirname "$0")/lib/common.sh"
[ "${1:-}" = --k8s ] && { shift; exec bash "$P5_ROOT/cluster/down.sh" "$@"; }
source "$P5_ROOT/scripts/lib/procs.sh"

purge=0
case "${1:-}" in --purge) purge=1 ;; "") ;; *) die "unknown option $1 (use --purge)" ;; esac

stop_proc web
rm -f "$RUN/web.build"
for row in "${APPS[@]}"; do
  read -r app _ <<<"$row"
  stop_proc "$app"
  stop_proc "$app-daprd"
done
stop_proc kafka-exporter
stop_proc prometheus
stop_proc alertmanager
stop_proc zipkin
stop_proc scheduler
stop_proc placement
stop_proc kafka 30
stop_proc postgres 30
left=$(ls "$RUN"/*.pid 2>/dev/null || true)
[ -z "$left" ] || log "still registered: $left"
if [ $purge = 1 ]; then
  rm -rf "$STATE" "$PG_DATA"
  log "purged $STATE and $PG_DATA"
fi
log "stack stopped"
