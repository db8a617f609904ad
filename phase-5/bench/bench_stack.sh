#!/usr/bin/env bash
# Stack figures: warm dev-up time to all-healthy (data kept, caches warm) and the memory of
# every process of the idle stack. Restarts the stack.
# Memory is reported twice: RSS counts a page once per process that maps it, so PostgreSQL's
# shared buffers and the libraries every Python app maps are counted many times over; PSS
# (proportional set size) shares each page among its mappers, so the PSS sum is what the
# stack takes from the machine. The target is judged on PSS; RSS is printed beside it.
source "$(dirname "$0")/../scripts/lib/common.sh"
source "$P5_ROOT/scripts/lib/procs.sh"
bash "$P5_ROOT/scripts/dev-down.sh" >/dev/null 2>&1
t0=$(date +%s%N)
bash "$P5_ROOT/scripts/dev-up.sh" --no-reload >/dev/null
ms=$((($(date +%s%N) - t0) / 1000000))
# A warm start reconciles every live series: its time depends on how many the state holds.
series=$(cd "$P5_ROOT" && .venv/bin/python -c 'from tests.support.stack import query
print(query("SELECT count(*) FILTER (WHERE status = %s), count(*) FROM recurring_series", "active")[0])')
printf 'warm dev-up to all healthy: %d.%03d s (state: (active, all) series %s)\n' \
  $((ms / 1000)) $((ms % 1000)) "$series"
sleep "${SETTLE_SECONDS:-30}"

# The process and all its descendants (PostgreSQL's backends run as another user, in a
# session of their own, so a session id would miss them).
tree() {
  local all=$1 level=$1
  while [ -n "$level" ]; do
    level=$(ps -o pid= --ppid "${level// /,}" 2>/dev/null | tr -s ' \n' ' ' | sed 's/^ //; s/ $//')
    all="$all $level"
  done
  echo "$all"
}

# kB of field $2 (Rss or Pss) summed over the processes $1.
sum_kb() {
  local pid sum=0 kb
  for pid in $1; do
    kb=$(awk -v f="$2:" '$1 == f {print $2}' "/proc/$pid/smaps_rollup" 2>/dev/null)
    sum=$((sum + ${kb:-0}))
  done
  echo "$sum"
}

rss_total=0 pss_total=0
printf '  %-30s %8s %8s\n' process "RSS MiB" "PSS MiB"
for f in "$RUN"/*.pid; do
  pid=$(cat "$f"); kill -0 "$pid" 2>/dev/null || continue
  pids=$(tree "$pid")
  rss=$(sum_kb "$pids" Rss); pss=$(sum_kb "$pids" Pss)
  printf '  %-30s %8d %8d\n' "$(basename "$f" .pid)" $((rss / 1024)) $((pss / 1024))
  rss_total=$((rss_total + rss)); pss_total=$((pss_total + pss))
done
printf 'idle stack resident memory: %d MiB (RSS sum)\n' $((rss_total / 1024))
printf 'idle stack proportional memory: %d MiB (PSS sum)\n' $((pss_total / 1024))
