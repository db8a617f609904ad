# Shared shell settings for phase-5 scripts: pinned versions, paths and small helpers.
# Sourced, never executed. Every path lives under CACHE (tools) or STATE (runtime data).
set -euo pipefail

P5_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
export P5_ROOT
export CACHE="${P5_CACHE:-$HOME/.cache/phase5}"
export STATE="${P5_STATE:-$HOME/.local/state/phase5}"
export BIN="$CACHE/bin"
# The project's venv is never put on PATH: its python has no pip, and the scripts need the
# machine's python3 to bootstrap uv. Venv tools are called by path or through `uv run`.
export PATH="$BIN:$PATH"
# Go's official install puts it in /usr/local/go/bin, which no login shell has on PATH: a fresh
# shell on a fresh machine would not find it (warm caches never ask for it, so CI hid this).
# P5_GO_DIRS overrides where to look (empty: PATH only).
for d in ${P5_GO_DIRS-${GOROOT:+$GOROOT/bin} /usr/local/go/bin /usr/lib/go/bin}; do
  [ -x "$d/go" ] && { command -v go >/dev/null || export PATH="$PATH:$d"; break; }
done
# uv trusts its bundled roots by default; a machine behind a TLS-inspecting registry proxy
# trusts that proxy only through the system store, which pip, Go and Maven already use.
export UV_NATIVE_TLS=1

# Pinned versions. The Go proxy serves dapr v1.18.x but not v1.19, and of v1.18.3 not its
# durabletask-go v0.12.4; v1.18.2 resolves whole. The Python SDK stays on the same minor (1.18.3).
export DAPR_VERSION="1.18.2"
# The proxy serves only v1.16.5 of the CLI (>= 1.16.2 has `dapr workflow list/history`).
export DAPR_CLI_VERSION="1.16.5"
export KAFKA_VERSION="3.9.1"
export PG_MAJOR="15"
export UV_VERSION="0.9.30"
# helm from the Go module proxy (GitHub releases are not reachable).
export HELM_VERSION="3.22.0"
# checkov (deploy tests), in its own uv tool environment.
export CHECKOV_VERSION="3.3.30"
# Zipkin (trace store) from Maven Central; Prometheus is Debian's package.
export ZIPKIN_VERSION="3.6.1"
# Alertmanager from the Go module proxy (scripts/install-alertmanager.sh says why this one).
export ALERTMANAGER_VERSION="0.29.0"

export GOMODCACHE="${GOMODCACHE:-$CACHE/go/mod}"
export GOCACHE="${GOCACHE:-$HOME/.cache/go-build}"
export GOFLAGS="-mod=mod"

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Ports: every listener binds 127.0.0.1. placement, scheduler and daprd all default to
# 8080/9090 for healthz/metrics, so each process gets its own.
export PG_PORT=5433
export KAFKA_PORT=9092 KAFKA_CONTROLLER_PORT=9093
export PLACEMENT_PORT=50005 PLACEMENT_HEALTHZ_PORT=58080 PLACEMENT_METRICS_PORT=59090
# todo-api serves its own /metrics apart from the public port (Settings.metrics_port).
export API_METRICS_PORT=9464
export SCHEDULER_PORT=50006 SCHEDULER_HEALTHZ_PORT=58081 SCHEDULER_METRICS_PORT=59091
export SCHEDULER_ETCD_CLIENT_PORT=52379 SCHEDULER_ETCD_PEER_PORT=52380
export ZIPKIN_PORT=9411 PROMETHEUS_PORT=9090
# Alertmanager (not its usual 9093: Kafka's controller has it; no gossip port, one node);
# the Kafka lag exporter; the local webhook receiver the alerts go to (the tests run one).
export ALERTMANAGER_PORT=9097 KAFKA_EXPORTER_PORT=9308 ALERT_WEBHOOK_PORT=9098
# The web app (Next.js, `next start`); it reaches todo-api through its own /api/v1 proxy.
export WEB_PORT=3000

# app-id  app-port  dapr-http  dapr-grpc  dapr-internal-grpc  metrics  python module
APPS=(
  "todo-api               8000 3500 50001 50011 59100 api.main:app"
  "recurring-task-service 8001 3501 50002 50012 59101 engine.service:app"
  "notification-service   8002 3502 50003 50013 59102 notifications.service:app"
  "chatbot-mcp            8003 3503 50004 50014 59103 chatbot.service:app"
)

# PostgreSQL refuses to run as root; as root it runs as the `postgres` user, whose data
# directory must be outside root's home.
if [ "$(id -u)" = 0 ]; then
  export PG_DATA="${P5_PG_DATA:-/var/lib/phase5/postgres}"
else
  export PG_DATA="${P5_PG_DATA:-$STATE/postgres}"
fi
export PG_BIN="/usr/lib/postgresql/$PG_MAJOR/bin"
export KAFKA_HOME="$CACHE/kafka-$KAFKA_VERSION"
export ZIPKIN_JAR="$CACHE/zipkin-$ZIPKIN_VERSION/zipkin-server-exec.jar"
export SECRETS_FILE="$STATE/secrets/dev-secrets.json"
