# Process bookkeeping for dev-up/dev-down: one pid file and one log file per process.
# Sourced after common.sh.
RUN="$STATE/run"; LOGS="$STATE/logs"
mkdir -p "$RUN" "$LOGS"

pid_of() { cat "$RUN/$1.pid" 2>/dev/null || true; }

is_running() {
  local pid; pid=$(pid_of "$1")
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null
}

# Alive: a zombie (dead, not yet reaped by whoever adopted it) holds no ports any more, so
# stopping waits for the process to be gone or a zombie, whichever comes first.
present() {
  kill -0 "$1" 2>/dev/null && ! grep -q '^[0-9]* (.*) Z' "/proc/$1/stat" 2>/dev/null
}

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Refuse to start onto a port someone else holds: a silent clash looks like a hang later.
require_free_port() {
  local name=$1 port=$2
  if port_in_use "$port"; then
    die "port $port (needed by $name) is already taken by another process; stop it (ss -ltnp 'sport = :$port') or run dev-down.sh"
  fi
}

# start_proc NAME DIR CMD... : start CMD as the leader of its own session (so stop_proc can
# signal the whole group), output to $LOGS/NAME.log; the child writes its own pid file.
start_proc() {
  local name=$1 dir=$2; shift 2
  if is_running "$name"; then return 0; fi
  rm -f "$RUN/$name.pid"
  (cd "$dir" && exec setsid -f bash -c 'echo $$ >"$0"; exec "$@"' "$RUN/$name.pid" "$@" \
     >>"$LOGS/$name.log" 2>&1 </dev/null)
  local i
  for i in $(seq 50); do [ -s "$RUN/$name.pid" ] && return 0; sleep 0.05; done
  die "$name did not start; see $LOGS/$name.log"
}

# wait_until NAME SECONDS CMD... : poll CMD until it succeeds; fail loudly if NAME died.
wait_until() {
  local name=$1 timeout=$2; shift 2
  local deadline=$((SECONDS + timeout))
  until "$@" >/dev/null 2>&1; do
    if ! is_running "$name"; then
      die "$name exited during start; last lines of $LOGS/$name.log: $(tail -n 3 "$LOGS/$name.log" | tr '\n' ' ')"
    fi
    [ $SECONDS -lt $deadline ] || die "$name not healthy after ${timeout}s; see $LOGS/$name.log"
    sleep 0.2
  done
}

http_ok() { curl -fsS -o /dev/null --max-time 2 "$1"; }

# stop_proc NAME [SECONDS]: SIGTERM the process group, wait, report what would not stop.
stop_proc() {
  local name=$1 grace=${2:-20} pid
  pid=$(pid_of "$name")
  if [ -z "$pid" ] || ! present "$pid"; then rm -f "$RUN/$name.pid"; return 0; fi
  kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
  # A stopped (SIGSTOP, frozen) process only acts on SIGTERM once continued.
  kill -CONT -- "-$pid" 2>/dev/null || kill -CONT "$pid" 2>/dev/null || true
  local deadline=$((SECONDS + grace))
  while present "$pid" && [ $SECONDS -lt $deadline ]; do sleep 0.2; done
  if present "$pid"; then
    log "$name (pid $pid) did not stop within ${grace}s; killing it"
    kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
    # SIGKILL is asynchronous: its ports are free only once it has gone, and the caller
    # usually starts a successor on them at once.
    deadline=$((SECONDS + 10))
    while present "$pid" && [ $SECONDS -lt $deadline ]; do sleep 0.1; done
    if present "$pid"; then log "$name (pid $pid) still present 10 s after SIGKILL"; fi
  fi
  rm -f "$RUN/$name.pid"
}
