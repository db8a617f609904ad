#!/usr/bin/env bash
# Stack figures: warm dev-up time to all-healthy (data kept, caches warm) and the resident
# memory of every process of the idle stack. Restarts the stack.
source "$(dirname "$0")/../scripts/lib/common.sh"
source "$P5_ROOT/scripts/lib/procs.sh"
bash "$P5_ROOT/scripts/dev-down.sh" >/dev/null 2>&1
t0=$(date +%s%N)
bash "$P5_ROOT/scripts/dev-up.sh" --no-reload >/dev/null
ms=$((($(date +%s%N) - t0) / 1000000))
printf 'warm dev-up to all healthy: %d.%03d s\n' $((ms / 1000)) $((ms % 1000))
sleep "${SETTLE_SECONDS:-30}"
total=0
for f in "$RUN"/*.pid; do
  pid=$(cat "$f"); sid=$(ps -o sid= -p "$pid" | tr -d ' ')
  rss=$(ps -o rss= --sid "$sid" | awk '{s += $1} END {print s + 0}')
  printf '  %-30s %6d MiB\n' "$(basename "$f" .pid)" $((rss / 1024))
  total=$((total + rss))
done
printf 'idle stack resident memory: %d MiB\n' $((total / 1024))
