#!/usr/bin/env bash
# Stack figures: warm dev-up time to all-healthy (data kept, caches warm) and the memory of
# every process of the idle stack (bench_memory.py: RSS and PSS). Restarts the stack.
source "$(dirname "$0")/../scripts/lib/common.sh"
bash "$P5_ROOT/scripts/dev-down.sh" >/dev/null 2>&1
t0=$(date +%s%N)
bash "$P5_ROOT/scripts/dev-up.sh" --no-reload >/dev/null
ms=$((($(date +%s%N) - t0) / 1000000))
# The engine reconciles every live series at start, on the same cores: say how many the
# state holds beside the time.
series=$(cd "$P5_ROOT" && .venv/bin/python -c 'from tests.support.stack import query
print(query("SELECT count(*) FILTER (WHERE status = %s), count(*) FROM recurring_series", "active")[0])')
printf 'warm dev-up to all healthy: %d.%03d s (state: (active, all) series %s)\n' \
  $((ms / 1000)) $((ms % 1000)) "$series"
sleep "${SETTLE_SECONDS:-30}"
cd "$P5_ROOT" && .venv/bin/python bench/bench_memory.py
