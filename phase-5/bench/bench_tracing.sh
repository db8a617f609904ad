#!/usr/bin/env bash
# What tracing at 100 % costs on complete -> next instance (bench_engine.py latency):
# the same run with tracing off (apps: TRACING_ENABLED=false; sidecars: samplingRate "0",
# no exporter) and on (the default: every span to Zipkin), the stack restarted for each,
# ROUNDS times in alternation (off, on, off, on, ...) so drift of the machine hits both
# alike; the last lines are the median p50/p95 of each side. Run under the stack lock:
#   /work/stack-run.sh <branch> ./phase-5/bench/bench_tracing.sh [SERIES] [COMPLETIONS] [ROUNDS]
source "$(dirname "$0")/../scripts/lib/common.sh"
series=${1:-20} completions=${2:-200} rounds=${3:-2}
mkdir -p "$STATE"
untraced="$STATE/configuration-untraced.yaml"
sed -e 's/samplingRate: "1"/samplingRate: "0"/' -e '/zipkin:/,/endpointAddress/d' \
  "$P5_ROOT/components/configuration.yaml" >"$untraced"
results="$(mktemp)"
trap 'rm -f "$results"' EXIT
run() {
  bash "$P5_ROOT/scripts/dev-down.sh" >/dev/null 2>&1
  bash "$P5_ROOT/scripts/dev-up.sh" --no-reload >/dev/null
  sleep 10  # let reconcile and the first scrapes pass
  local line
  line=$(cd "$P5_ROOT" && "$P5_ROOT/.venv/bin/python" bench/bench_engine.py latency "$series" "$completions")
  printf '%s: %s\n' "$1" "$line"
  printf '%s %s\n' "$2" "$line" >>"$results"
}
for round in $(seq "$rounds"); do
  TRACING_ENABLED=false DAPR_CONFIG="$untraced" run "tracing off (round $round)" off
  run "tracing on, 100 % (round $round)" on
done
python3 - "$results" <<'PY'
import re, statistics, sys
runs: dict[str, list[tuple[float, float]]] = {"off": [], "on": []}
for line in open(sys.argv[1]):
    side = line.split()[0]
    p50, p95 = (float(re.search(rf"{k}=([0-9.]+) ms", line).group(1)) for k in ("p50", "p95"))
    runs[side].append((p50, p95))
for side, label in (("off", "tracing off"), ("on", "tracing on, 100 %")):
    xs = runs[side]
    print(f"{label}: {len(xs)} runs, median p50={statistics.median(p for p, _ in xs):.1f} ms "
          f"median p95={statistics.median(q for _, q in xs):.1f} ms "
          f"(p95 per run: {', '.join(f'{q:.0f}' for _, q in xs)})")
PY
