#!/usr/bin/env bash
# What tracing at 100 % costs on complete -> next instance (bench_engine.py latency):
# the same run with tracing off (apps: TRACING_ENABLED=false; sidecars: samplingRate "0",
# no exporter) and on (the default: every span to Zipkin), the stack restarted for each,
# twice in alternation so drift of the machine shows. Run under the stack lock:
#   /work/stack-run.sh <branch> ./phase-5/bench/bench_tracing.sh [SERIES] [COMPLETIONS]
source "$(dirname "$0")/../scripts/lib/common.sh"
series=${1:-20} completions=${2:-200}
mkdir -p "$STATE"
untraced="$STATE/configuration-untraced.yaml"
sed -e 's/samplingRate: "1"/samplingRate: "0"/' -e '/zipkin:/,/endpointAddress/d' \
  "$P5_ROOT/components/configuration.yaml" >"$untraced"
run() {
  bash "$P5_ROOT/scripts/dev-down.sh" >/dev/null 2>&1
  bash "$P5_ROOT/scripts/dev-up.sh" --no-reload >/dev/null
  sleep 10  # let reconcile and the first scrapes pass
  printf '%s: ' "$1"
  (cd "$P5_ROOT" && "$P5_ROOT/.venv/bin/python" bench/bench_engine.py latency "$series" "$completions")
}
for round in 1 2; do
  TRACING_ENABLED=false DAPR_CONFIG="$untraced" run "tracing off (round $round)"
  run "tracing on, 100 % (round $round)"
done
