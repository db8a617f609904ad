#!/usr/bin/env bash
# bench.sh [--quick] [--sizes "5000 20000"] [--only "floor engine peer ..."] [--no-write]
#          [--prepare] [--drills]
# Every figure of issue 16 beside its references from the same run: the Temporal peer
# (bench/peers/temporal), the Dapr floor (bench/bench_floor.py) and the database ceiling
# (bench/bench_ceiling.py). Brings up the process stack (dev-up.sh) and starts/stops its own
# Temporal dev server; prints one table and rewrites its section of SUMMARIES/measurements.md.
#   --quick    smaller N for a first look (burst 1000, 200 completions, short locust steps)
#   --sizes    burst sizes of the full run (default "5000 20000")
#   --only     a subset of: stack outbox latency reminders api ceiling floor engine peer
#   --prepare  only build/sync what the run needs (Temporal CLI, the bench dependency
#              group), without the stack: run it before taking the stack lock
#   --no-write print the table, leave measurements.md alone
#   --drills   also run the long chaos drills (tests/chaos, `pytest -m drills`: every process
#              killed under load, Kafka's disk full, a consumer slow for 5 minutes, a replay
#              of 1,000 events), 14 min on 2026-11-29; `--drills --only drills --no-write`
#              runs them alone
# BENCH_DEADLINE=HH:MM (UTC), or that time in the file $STATE/bench/deadline: no benchmark
# starts after it (the table shows the rest as not measured), so a run fits a lock slot.
# Run it under the stack lock, from the repository root:
#   bash phase-5/scripts/bench.sh --prepare
#   /work/stack-run.sh <name> ./phase-5/scripts/bench.sh --quick
source "$(dirname "$0")/lib/common.sh"
source "$P5_ROOT/scripts/lib/procs.sh"

quick=0 sizes="5000 20000" only="" write=1 prepare_only=0 drills=0
while [ $# -gt 0 ]; do
  case $1 in
    --quick) quick=1 ;;
    --sizes) sizes=$2; shift ;;
    --only) only=$2; shift ;;
    --no-write) write=0 ;;
    --prepare) prepare_only=1 ;;
    --drills) drills=1 ;;
    *) die "unknown option $1 (see the head of $0)" ;;
  esac
  shift
done
[ "$quick" = 1 ] && [ "$sizes" = "5000 20000" ] && sizes="1000"
wants() { [ -z "$only" ] || [[ " $only " == *" $1 "* ]]; }

cd "$P5_ROOT" || exit 1
bash scripts/install-python.sh
uv sync --frozen --group bench -q --compile-bytecode
bash bench/peers/temporal/install.sh >/dev/null
[ "$prepare_only" = 1 ] && { log "prepared: Temporal CLI built, bench group synced"; exit 0; }

run_dir="$STATE/bench/$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$run_dir"
log "bench run: $run_dir (quick=$quick, bursts: $sizes)"
uptime >"$run_dir/load-before.txt"
py() { "$P5_ROOT/.venv/bin/python" "$@"; }
# step NAME CMD...: run one benchmark, its output shown and kept for the report.
deadline=${BENCH_DEADLINE:-$(cat "$STATE/bench/deadline" 2>/dev/null || true)}
step() {
  local name=$1; shift
  if [ -n "$deadline" ] && [ "$(date -u +%H:%M)" \> "$deadline" ]; then
    log "— $name skipped: past the deadline $deadline UTC"; return 0
  fi
  log "— $name"
  "$@" 2>&1 | tee "$run_dir/$name.log" || log "$name failed (see $run_dir/$name.log)"
}

# The bursts measure the machine's rate, so every series of a burst wakes at its lead-time
# instant: the herd spread (1/3 of the lead window by default) would pace them instead. A
# stack that is already running keeps its settings.
export MATERIALIZE_SPREAD_FRACTION=${MATERIALIZE_SPREAD_FRACTION:-0}
started_stack=0
is_running postgres || started_stack=1
# The stack's own figures first: dev-down + timed warm dev-up + idle memory.
if wants stack; then
  bash scripts/dev-up.sh --no-reload >"$run_dir/dev-up-first.log" 2>&1  # initializes a fresh state
  SETTLE_SECONDS=$([ "$quick" = 1 ] && echo 15 || echo 30) step stack bash bench/bench_stack.sh
else
  bash scripts/dev-up.sh --no-reload >"$run_dir/dev-up.log" 2>&1
fi
# dev-up.sh runs install.sh, whose exact `uv sync` drops the bench group: sync it again.
uv sync --frozen --group bench -q --compile-bytecode
if [ "$started_stack" = 1 ]; then trap 'bash "$P5_ROOT/scripts/dev-down.sh" >/dev/null 2>&1' EXIT; fi

if [ "$quick" = 1 ]; then
  outbox_n=100 cn_n=200 rem_n=100 rem_s=20 api_s=15 api_users="8 32" pg_s=10 lat="20 200"
else
  outbox_n=300 cn_n=1000 rem_n=500 rem_s=60 api_s=30 api_users="8 16 32 64" pg_s=30 lat="35 1000"
fi
for n in $sizes; do
  # Floor, engine and peer back to back at each size, so they share the machine's state.
  wants floor && step "floor-$n" py bench/bench_floor.py "$n"
  wants engine && step "engine-$n" py bench/bench_engine.py burst "$n"
  wants peer && step "peer-$n" py -m bench.peers.temporal.bench_temporal --memory --burst "$n"
done
# The peer twice: its dev server's SQLite in memory (`start-dev`'s default: fast, not
# durable) at every size, and in a file (durable, as our PostgreSQL is) at a burst of
# PEER_FILE_BURST (500; 100 quick) only: it sets up and rounds ~10x slower (decisions.md).
peer_file_n=${PEER_FILE_BURST:-$([ "$quick" = 1 ] && echo 100 || echo 500)}
if wants peer; then
  # shellcheck disable=SC2086
  step peer-latency py -m bench.peers.temporal.bench_temporal --memory --latency $lat
  # shellcheck disable=SC2086
  step peer-file py -m bench.peers.temporal.bench_temporal --latency $lat --burst "$peer_file_n"
fi
wants outbox && step outbox py bench/bench_outbox.py "$outbox_n"
wants latency && step complete-next py bench/bench_complete_next.py "$cn_n" 5
wants reminders && step reminders py bench/bench_notifications.py --reminders "$rem_n" --seconds "$rem_s"
# shellcheck disable=SC2086  # word splitting of the user counts is wanted
wants api && step api py bench/bench_api_ops.py "$api_s" $api_users
wants ceiling && step ceiling py bench/bench_ceiling.py "$pg_s" 8
# Last: a drill that fails may leave the stack degraded for whatever would come after it.
[ "$drills" = 1 ] && step drills uv run --frozen pytest -q -p no:cacheprovider -m drills tests/chaos
uptime >"$run_dir/load-after.txt"

report=(py bench/bench_report.py "$run_dir" --sizes "$sizes" --peer-file-burst "$peer_file_n" --mode "$([ "$quick" = 1 ] && echo quick || echo full)")
[ "$write" = 1 ] && report+=(--write SUMMARIES/measurements.md)
"${report[@]}"
