# How each piece of the stack is configured, started and checked. Sourced by dev-up.sh.

PG_SOCK_DIR="$(dirname "$PG_DATA")/run"
PG_AS=()
[ "$(id -u)" = 0 ] && PG_AS=(setpriv --reuid=postgres --regid=postgres --init-groups)
as_pg() { "${PG_AS[@]}" "$@"; }

# Random local secrets, generated into a file outside git that only this user reads, and
# completed (never rotated) when a newer version of this script knows more keys.
# Dapr's local.file secret store serves them; nothing else receives them.
ensure_secrets() {
  mkdir -p "$(dirname "$SECRETS_FILE")"
  (umask 077 && "$P5_ROOT/.venv/bin/python" - "$SECRETS_FILE" "$PG_PORT" <<'PY'
import base64, json, os, secrets, sys
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

path, port = sys.argv[1], sys.argv[2]
data = json.load(open(path)) if os.path.exists(path) and os.path.getsize(path) else {}
before = dict(data)
pw = data.setdefault("postgres-password", secrets.token_urlsafe(24))
data.setdefault("database-url", f"postgresql+asyncpg://todo:{pw}@127.0.0.1:{port}/todo")
data.setdefault("dapr-state-connection", f"host=127.0.0.1 port={port} user=todo password={pw} dbname=todo")
data.setdefault("better-auth-secret", secrets.token_urlsafe(48))
# Local SMTP: the tests run a real SMTP server (aiosmtpd) on this port.
data.setdefault("smtp-host", "127.0.0.1")
data.setdefault("smtp-port", "2525")
data.setdefault("smtp-username", "")
data.setdefault("smtp-password", "")
data.setdefault("smtp-from", "reminders@todo.local")
if "vapid-private-key" not in data:
    key = ec.generate_private_key(ec.SECP256R1())
    data["vapid-private-key"] = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    raw = key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    data["vapid-public-key"] = base64.urlsafe_b64encode(raw).decode().rstrip("=")
    data.setdefault("vapid-subject", "mailto:reminders@todo.local")
if data != before:
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(data, f, indent=2)
    os.replace(tmp, path)
    print("updated", file=sys.stderr)
PY
  ) 2>&1 | grep -q updated || return 0
  log "local secrets written to $SECRETS_FILE"
  # Dapr's local.file store reads the file once, at start: running sidecars must restart.
  for row in "${APPS[@]}"; do
    read -r app _ <<<"$row"
    if is_running "$app-daprd"; then stop_proc "$app"; stop_proc "$app-daprd"; fi
  done
}

secret() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$SECRETS_FILE" "$1"; }

pg_ready() { as_pg "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT"; }

start_postgres() {
  if ! is_running postgres; then
    if [ ! -f "$PG_DATA/PG_VERSION" ]; then
      log "initialising PostgreSQL cluster in $PG_DATA"
      mkdir -p "$PG_DATA" "$PG_SOCK_DIR"
      [ "$(id -u)" = 0 ] && chown -R postgres:postgres "$(dirname "$PG_DATA")"
      as_pg "$PG_BIN/initdb" -D "$PG_DATA" -U postgres --auth-local=trust --auth-host=scram-sha-256 \
        -E UTF8 --locale=C.UTF-8 >>"$LOGS/postgres.log" 2>&1
    fi
    mkdir -p "$PG_SOCK_DIR"; [ "$(id -u)" = 0 ] && chown postgres:postgres "$PG_SOCK_DIR"
    require_free_port postgres "$PG_PORT"
    start_proc postgres / "${PG_AS[@]}" "$PG_BIN/postgres" -D "$PG_DATA" -p "$PG_PORT" \
      -c listen_addresses=127.0.0.1 -c unix_socket_directories="$PG_SOCK_DIR" \
      -c max_connections=300 -c shared_buffers=128MB -c fsync=on
  fi
  wait_until postgres 60 pg_ready
  # Role and password follow the secrets file, so a regenerated file never locks us out.
  local pw; pw=$(secret postgres-password)
  as_pg "$PG_BIN/../bin/psql" -q -h "$PG_SOCK_DIR" -p "$PG_PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 \
    -v pw="$pw" >/dev/null <<'SQL'
SELECT 'CREATE ROLE todo LOGIN' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'todo')\gexec
ALTER ROLE todo PASSWORD :'pw';
SELECT 'CREATE DATABASE todo OWNER todo' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'todo')\gexec
SQL
}

# The long-running JVMs (Kafka, Zipkin), sized for one developer's stack: a small heap that
# is given back when idle (serial GC shrinks the committed heap to within 30 % of what is
# live), not G1's default of keeping what a burst once took; bench/bench_stack.sh measures
# the effect. A JVM out of heap exits (a Zipkin that ran out of heap under a kill drill
# stayed up but answered nothing, so dev-up could neither use it nor replace it), and
# dev-up starts it again.
SMALL_JVM=(-Xms32m -XX:+UseSerialGC -XX:MinHeapFreeRatio=10 -XX:MaxHeapFreeRatio=30
  -XX:+ExitOnOutOfMemoryError)
KAFKA_JVM=("${SMALL_JVM[@]}" -Xmx256m)

# Kafka's command-line tools (format, topics) run for a second or two: the client compiler
# alone starts them faster and with less memory.
kafka_java() {
  java -Xmx128m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 \
    -Dlog4j.configuration="file:$STATE/kafka/log4j.properties" -cp "$KAFKA_HOME/libs/*" "$@"
}

start_kafka() {
  local dir="$STATE/kafka"
  if ! is_running kafka; then
    mkdir -p "$dir/data"
    cat >"$dir/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
log.dirs=$dir/data
num.partitions=12
auto.create.topics.enable=false
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=0
log.retention.hours=168
# The log cleaner's dedupe buffer is allocated on the heap at start and kept: 128 MiB by
# default, two thirds of an idle broker's heap. Our only compacted topic is
# __consumer_offsets; 16 MiB holds the keys of ~400,000 of its records per pass.
log.cleaner.dedupe.buffer.size=16777216
PROPS
    cat >"$dir/log4j.properties" <<'PROPS'
log4j.rootLogger=WARN, stdout
log4j.appender.stdout=org.apache.log4j.ConsoleAppender
log4j.appender.stdout.layout=org.apache.log4j.PatternLayout
log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka.server.KafkaServer=INFO
log4j.logger.kafka.server.BrokerServer=INFO
PROPS
    if [ ! -f "$dir/data/meta.properties" ]; then
      local cluster_id
      cluster_id=$(python3 -c 'import base64,uuid; print(base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("="))')
      kafka_java kafka.tools.StorageTool format -t "$cluster_id" -c "$dir/server.properties" >>"$LOGS/kafka.log" 2>&1
    fi
    require_free_port kafka "$KAFKA_PORT"
    require_free_port kafka-controller "$KAFKA_CONTROLLER_PORT"
    start_proc kafka "$dir" java "${KAFKA_JVM[@]}" \
      -Dlog4j.configuration="file:$dir/log4j.properties" -cp "$KAFKA_HOME/libs/*" \
      kafka.Kafka "$dir/server.properties"
  fi
}

wait_kafka() { wait_until kafka 90 port_in_use "$KAFKA_PORT"; }

TOPICS=(task-operations task-modifications alerts task-events-dlq updates-dlq alerts-dlq)

# Our own broker keeps a directory per partition: when every topic's first partition is on
# its disk, the topics exist, and a warm start skips the topic-admin JVM.
topics_on_local_disk() {
  local t
  for t in "${TOPICS[@]}"; do [ -d "$STATE/kafka/data/$t-0" ] || return 1; done
}

# The local broker by default; scripts/kafka-topics.sh points the same code at Redpanda
# (KAFKA_BOOTSTRAP, KAFKA_COMMAND_CONFIG with SASL/TLS, 30-day TOPIC_RETENTION_MS, and an
# empty TOPIC_REPLICATION so the cluster's own replication factor applies).
ensure_topics() {
  [ -z "${KAFKA_BOOTSTRAP:-}" ] && topics_on_local_disk && return 0
  local bootstrap="${KAFKA_BOOTSTRAP:-127.0.0.1:$KAFKA_PORT}" retention="${TOPIC_RETENTION_MS:-604800000}"
  local common=(--bootstrap-server "$bootstrap") replication=()
  [ -n "${KAFKA_COMMAND_CONFIG:-}" ] && common+=(--command-config "$KAFKA_COMMAND_CONFIG")
  [ -n "${TOPIC_REPLICATION-1}" ] && replication=(--replication-factor "${TOPIC_REPLICATION-1}")
  local existing missing=()
  existing=$(kafka_java org.apache.kafka.tools.TopicCommand "${common[@]}" --list 2>>"$LOGS/kafka.log")
  for t in "${TOPICS[@]}"; do grep -qx "$t" <<<"$existing" || missing+=("$t"); done
  for t in "${missing[@]}"; do
    kafka_java org.apache.kafka.tools.TopicCommand "${common[@]}" \
      --create --if-not-exists --topic "$t" --partitions 12 "${replication[@]}" \
      --config retention.ms="$retention" >>"$LOGS/kafka.log" 2>&1
    log "created topic $t (12 partitions, retention $((retention / 86400000)) days)"
  done
}

# Zipkin, the trace store: apps (OpenTelemetry) and sidecars (components/configuration.yaml)
# send spans to it. In memory: traces are for looking at now, not kept across restarts.
# Started early and waited for last: its ~13 s start overlaps the rest of the stack.
start_zipkin() {
  is_running zipkin && return 0
  require_free_port zipkin "$ZIPKIN_PORT"
  # Its load is a developer's traces: the client compiler alone (faster start, less memory)
  # and a heap that shrinks when idle; at most 30,000 spans kept (the oldest go first).
  # Measured: under a burst of 1,000 rounds at 100 % sampling Zipkin cost the same CPU per
  # round this way as with G1 and both compilers (6.2 / 6.1 ms); idle on an empty state it
  # took 142 MiB (PSS) this way, 221 MiB with the former G1 settings (-Xmx384m). With at
  # most 100,000 spans and -Xmx256m it reached 367 MiB under a kill drill, then ran out of
  # heap.
  start_proc zipkin "$STATE" java "${SMALL_JVM[@]}" -Xmx160m -XX:TieredStopAtLevel=1 -jar "$ZIPKIN_JAR" \
    "--armeria.ports[0].ip=127.0.0.1" "--armeria.ports[0].port=$ZIPKIN_PORT" \
    --zipkin.storage.mem.max-spans=30000 --logging.level.root=WARN
}

# Prometheus scrapes every app, sidecar, placement and scheduler each 15 s, with the alert
# rules of the chart (charts/phase5/files/alerts.yaml): its own config and data under STATE, on 127.0.0.1.
start_prometheus() {
  is_running prometheus && return 0
  require_free_port prometheus "$PROMETHEUS_PORT"
  local dir="$STATE/prometheus"
  mkdir -p "$dir/data"
  prometheus_config >"$dir/prometheus.yml"
  start_proc prometheus "$dir" prometheus --config.file="$dir/prometheus.yml" \
    --storage.tsdb.path="$dir/data" --storage.tsdb.retention.time=7d \
    --web.listen-address="127.0.0.1:$PROMETHEUS_PORT" --web.enable-lifecycle --log.level=warn
}

# Alertmanager: Prometheus sends it the firing alerts; it groups them and notifies the
# on-call by email and by webhooks (chat for warnings, pager for critical ones). The
# receivers' URLs and the SMTP password are files (0600, outside git) it reads itself
# (`*_file`), the way the chart mounts a Secret: never in its config, env or logs. Locally
# the webhooks go to a test receiver on 127.0.0.1:$ALERT_WEBHOOK_PORT and mail to the
# test SMTP sink on 127.0.0.1:2525 (both run by the tests; nothing listens otherwise).
ensure_alertmanager_secrets() {
  local dir="$STATE/secrets/alertmanager"
  (umask 077 && mkdir -p "$dir"
   [ -s "$dir/chat-webhook-url" ] || echo "http://127.0.0.1:$ALERT_WEBHOOK_PORT/chat" >"$dir/chat-webhook-url"
   [ -s "$dir/pager-webhook-url" ] || echo "http://127.0.0.1:$ALERT_WEBHOOK_PORT/pager" >"$dir/pager-webhook-url"
   [ -s "$dir/smtp-password" ] || python3 -c 'import secrets; print(secrets.token_urlsafe(24))' >"$dir/smtp-password")
}

alertmanager_config() {
  local s="$STATE/secrets/alertmanager"
  cat <<YAML
# Written by dev-up.sh (scripts/lib/stack.sh); the chart's twin is
# charts/phase5/templates/monitoring-alertmanager.yaml (same routes and timings).
global:
  resolve_timeout: 5m
  smtp_smarthost: 127.0.0.1:2525
  smtp_from: alertmanager@todo.local
  smtp_hello: localhost
  smtp_auth_username: alertmanager
  smtp_auth_password_file: $s/smtp-password
  smtp_require_tls: false
route:
  receiver: oncall-chat
  # One notification per alert and what it is about (topic, group, app, route), not one
  # per firing series; wait 30 s for siblings, re-tell every 4 h (1 h when critical).
  group_by: [alertname, topic, group, app, route, channel]
  group_wait: 30s
  group_interval: 5m
  repeat_interval: 4h
  routes:
    - matchers: ['severity="critical"']
      receiver: oncall-pager
      repeat_interval: 1h
receivers:
  - name: oncall-chat
    webhook_configs:
      - url_file: $s/chat-webhook-url
        send_resolved: true
    email_configs:
      - to: oncall@todo.local
        send_resolved: true
  - name: oncall-pager
    webhook_configs:
      - url_file: $s/pager-webhook-url
        send_resolved: true
    email_configs:
      - to: oncall@todo.local
        send_resolved: true
YAML
}

start_alertmanager() {
  is_running alertmanager && return 0
  require_free_port alertmanager "$ALERTMANAGER_PORT"
  local dir="$STATE/alertmanager"
  mkdir -p "$dir/data"
  ensure_alertmanager_secrets
  alertmanager_config >"$dir/alertmanager.yml"
  amtool check-config "$dir/alertmanager.yml" >>"$LOGS/alertmanager.log" 2>&1 \
    || die "Alertmanager config is invalid; see $LOGS/alertmanager.log"
  # --cluster.listen-address= : one node, no gossip listener on any address.
  start_proc alertmanager "$dir" alertmanager --config.file="$dir/alertmanager.yml" \
    --storage.path="$dir/data" --web.listen-address="127.0.0.1:$ALERTMANAGER_PORT" \
    --cluster.listen-address= --log.level=warn
}

# The Kafka lag exporter (monitoring/exporter.py): consumer lag per topic and group, DLQ
# depth, read from the broker; no sidecar.
start_kafka_exporter() {
  is_running kafka-exporter && return 0
  require_free_port kafka-exporter "$KAFKA_EXPORTER_PORT"
  start_proc kafka-exporter "$P5_ROOT" env APP_ID=kafka-lag-exporter \
    KAFKA_BROKERS="127.0.0.1:$KAFKA_PORT" TRACING_ENABLED=false \
    "$P5_ROOT/.venv/bin/uvicorn" monitoring.exporter:app --host 127.0.0.1 \
    --port "$KAFKA_EXPORTER_PORT" --no-access-log
}

prometheus_config() {
  local apps="" sidecars="" r app app_port metrics
  for r in "${APPS[@]}"; do
    read -r app app_port _ _ _ metrics _ <<<"$r"
    # Where each app serves /metrics: todo-api on its own listener, chatbot-mcp not at all.
    case "$app" in
      todo-api) apps+="          - targets: ['127.0.0.1:$API_METRICS_PORT']\n            labels: {app: $app}\n" ;;
      chatbot-mcp) ;;
      *) apps+="          - targets: ['127.0.0.1:$app_port']\n            labels: {app: $app}\n" ;;
    esac
    sidecars+="          - targets: ['127.0.0.1:$metrics']\n            labels: {app: $app}\n"
  done
  printf '%b' "global:
  scrape_interval: 15s
  evaluation_interval: 15s
  external_labels: {stack: local}
rule_files:
  - $P5_ROOT/charts/phase5/files/alerts.yaml
alerting:
  alertmanagers:
    - static_configs:
        - targets: ['127.0.0.1:$ALERTMANAGER_PORT']
scrape_configs:
  - job_name: apps
    static_configs:
$apps  - job_name: daprd
    static_configs:
$sidecars  - job_name: dapr-placement
    static_configs:
      - targets: ['127.0.0.1:$PLACEMENT_METRICS_PORT']
  - job_name: dapr-scheduler
    static_configs:
      - targets: ['127.0.0.1:$SCHEDULER_METRICS_PORT']
  - job_name: kafka-exporter
    static_configs:
      - targets: ['127.0.0.1:$KAFKA_EXPORTER_PORT']
        labels: {app: kafka-lag-exporter}
  - job_name: alertmanager
    static_configs:
      - targets: ['127.0.0.1:$ALERTMANAGER_PORT']
        labels: {app: alertmanager}
"
}

# The stack's fixed ports above 32767 lie in the kernel's ephemeral range: an outgoing
# connection may take one as its source port, and the next start of that server fails with
# "bind: address already in use" (in CI the scheduler's etcd peer port did, after a kill
# drill restarted it, and every job stopped). As root, reserve them: the kernel then never
# picks them as source ports; binding them explicitly still works. Idempotent.
reserve_stack_ports() {
  local f=/proc/sys/net/ipv4/ip_local_reserved_ports low p row want=() http grpc internal metrics
  [ -w "$f" ] || return 0
  low=$(cut -f1 /proc/sys/net/ipv4/ip_local_port_range)
  local ports=("$PLACEMENT_PORT" "$PLACEMENT_HEALTHZ_PORT" "$PLACEMENT_METRICS_PORT"
    "$SCHEDULER_PORT" "$SCHEDULER_HEALTHZ_PORT" "$SCHEDULER_METRICS_PORT"
    "$SCHEDULER_ETCD_CLIENT_PORT" "$SCHEDULER_ETCD_PEER_PORT")
  for row in "${APPS[@]}"; do
    read -r _ _ http grpc internal metrics _ <<<"$row"
    ports+=("$http" "$grpc" "$internal" "$metrics")
  done
  for p in "${ports[@]}"; do [ "$p" -ge "$low" ] && want+=("$p"); done
  [ ${#want[@]} -gt 0 ] || return 0
  local cur list
  cur=$(cat "$f")
  list=$(IFS=,; echo "${want[*]}")
  echo "${cur:+$cur,}$list" >"$f" 2>/dev/null || log "could not reserve the stack's ports in $f"
}

start_placement() {
  if ! is_running placement; then
    require_free_port placement "$PLACEMENT_PORT"
    start_proc placement "$STATE" placement --port "$PLACEMENT_PORT" --listen-address 127.0.0.1 \
      --healthz-port "$PLACEMENT_HEALTHZ_PORT" --healthz-listen-address 127.0.0.1 \
      --metrics-port "$PLACEMENT_METRICS_PORT" --metrics-listen-address 127.0.0.1 --log-level warn
  fi
  wait_until placement 30 http_ok "http://127.0.0.1:$PLACEMENT_HEALTHZ_PORT/healthz"
}

start_scheduler() {
  if ! is_running scheduler; then
    require_free_port scheduler "$SCHEDULER_PORT"
    require_free_port scheduler-etcd "$SCHEDULER_ETCD_CLIENT_PORT"
    mkdir -p "$STATE/scheduler"
    start_proc scheduler "$STATE" scheduler --port "$SCHEDULER_PORT" --listen-address 127.0.0.1 \
      --override-broadcast-host-port "127.0.0.1:$SCHEDULER_PORT" \
      --healthz-port "$SCHEDULER_HEALTHZ_PORT" --healthz-listen-address 127.0.0.1 \
      --metrics-port "$SCHEDULER_METRICS_PORT" --metrics-listen-address 127.0.0.1 \
      --etcd-data-dir "$STATE/scheduler/etcd" --etcd-client-port "$SCHEDULER_ETCD_CLIENT_PORT" \
      --etcd-client-listen-address 127.0.0.1 \
      --etcd-initial-cluster "dapr-scheduler-server-0=http://127.0.0.1:$SCHEDULER_ETCD_PEER_PORT" \
      --log-level warn
  fi
  wait_until scheduler 60 http_ok "http://127.0.0.1:$SCHEDULER_HEALTHZ_PORT/healthz"
}

# Sidecars this run found already running (wait_app checks that they are still sound).
declare -A SIDECAR_WAS_UP=()

# The app's sidecar; it needs Kafka (its pub/sub component) to become ready.
start_sidecar() {
  local app=$1 app_port=$2 http=$3 grpc=$4 internal=$5 metrics=$6
  is_running "$app-daprd" && SIDECAR_WAS_UP[$app]=1
  if ! is_running "$app-daprd"; then
    require_free_port "$app-daprd" "$http"
    require_free_port "$app-daprd" "$grpc"
    start_proc "$app-daprd" "$STATE" daprd --app-id "$app" --app-port "$app_port" \
      --app-protocol http --app-channel-address 127.0.0.1 \
      --dapr-listen-addresses 127.0.0.1 --dapr-http-port "$http" --dapr-grpc-port "$grpc" \
      --dapr-internal-grpc-port "$internal" --dapr-internal-grpc-listen-address 127.0.0.1 \
      --metrics-port "$metrics" --metrics-listen-address 127.0.0.1 \
      --placement-host-address "127.0.0.1:$PLACEMENT_PORT" \
      --scheduler-host-address "127.0.0.1:$SCHEDULER_PORT" \
      --resources-path "$P5_ROOT/components" --config "${DAPR_CONFIG:-$P5_ROOT/components/configuration.yaml}" \
      --log-as-json --log-level info
  fi
}

# The app itself. It may start before its sidecar: its imports (~2.5 s of CPU) run while
# Kafka boots, and its lifespan then waits for the sidecar (infra/bootstrap.py).
start_app_process() {
  local app=$1 app_port=$2 http=$3 grpc=$4 module=$7
  if ! is_running "$app"; then
    require_free_port "$app" "$app_port"
    local server=("$P5_ROOT/.venv/bin/uvicorn" "$module" --host 127.0.0.1 --port "$app_port" --no-access-log)
    if [ "$app" = todo-api ] && [ "${RELOAD:-0}" = 1 ]; then
      # Watches code only (tests and docs changing must not restart the API); see
      # api/dev_server.py for why not `uvicorn --reload`.
      server=("$P5_ROOT/.venv/bin/python" -m api.dev_server 127.0.0.1 "$app_port")
      for d in api contracts infra storage recurrence; do server+=("$P5_ROOT/$d"); done
    fi
    # OUTBOUND_TEST_HOSTS: hosts exempt from the SSRF guard. The process stack is a
    # development environment whose test push services listen on 127.0.0.1, whoever starts
    # it (the README's dev-up.sh, then test.sh); `localhost`, ::1, private and link-local
    # addresses stay refused. The chart leaves it empty and production refuses any.
    # SIDECAR_WAIT_SECONDS: the sidecar starts after Kafka and the topics, which on a cold
    # start (format, topic creation) on a busy machine can take longer than the default.
    start_proc "$app" "$P5_ROOT" env APP_ID="$app" APP_PORT="$app_port" \
      DAPR_HTTP_PORT="$http" DAPR_GRPC_PORT="$grpc" SIDECAR_WAIT_SECONDS=180 \
      OUTBOUND_TEST_HOSTS="${OUTBOUND_TEST_HOSTS:-[\"127.0.0.1\"]}" \
      WEB_BASE_URL="http://localhost:$WEB_PORT" "${server[@]}"
  fi
}

# healthy_within NAME SECONDS URL: like wait_until, but answers instead of dying.
healthy_within() {
  local name=$1 deadline=$((SECONDS + $2)) url=$3
  until http_ok "$url"; do
    is_running "$name" && [ $SECONDS -lt $deadline ] || return 1
    sleep 0.2
  done
}

wait_app() {
  local app=$1 app_port=$2 http=$3
  local health="http://127.0.0.1:$http/v1.0/healthz"
  # A sidecar that was already running but stays unready is stuck, not starting: after a
  # placement/scheduler restart some daprd never re-initialise (dapr/dapr#10337: /v1.0/healthz
  # 500 for good while /healthz/outbound says 204). Replace it, as kubelet's liveness probe
  # does on Kubernetes.
  if [ -n "${SIDECAR_WAS_UP[$app]:-}" ] && ! healthy_within "$app-daprd" 30 "$health" \
     && is_running "$app-daprd"; then
    log "$app-daprd is running but not ready for 30 s (stuck, dapr/dapr#10337): restarting it"
    stop_proc "$app-daprd"
    start_sidecar "$@"
  fi
  wait_until "$app-daprd" 90 http_ok "$health"
  wait_until "$app" 90 http_ok "http://127.0.0.1:$app_port/healthz"
}

# The web app: Next's production server, built by install-web.sh. It calls the API
# server-side (its /api/v1 proxy), so the browser only ever talks to :3000. A running server
# whose build is older than the one on disk is restarted, so dev-up never serves stale code.
start_web() {
  local dir="$P5_ROOT/web" build
  build=$(cat "$dir/.next/BUILD_ID")
  if is_running web && [ "$(cat "$RUN/web.build" 2>/dev/null)" != "$build" ]; then
    log "web app rebuilt: restarting it"
    stop_proc web
  fi
  if ! is_running web; then
    require_free_port web "$WEB_PORT"
    start_proc web "$dir" env NODE_ENV=production NEXT_TELEMETRY_DISABLED=1 \
      API_URL="http://127.0.0.1:8000" node_modules/.bin/next start -H 127.0.0.1 -p "$WEB_PORT"
    echo "$build" >"$RUN/web.build"
  fi
}

wait_web() { wait_until web 60 http_ok "http://127.0.0.1:$WEB_PORT/healthz"; }

print_status() {
  printf '%-30s %-8s %-8s %s\n' PROCESS PID STATE "WHERE"
  row() { local st=down; is_running "$1" && st=up; printf '%-30s %-8s %-8s %s\n' "$1" "$(pid_of "$1")" "$st" "$2"; }
  row postgres "127.0.0.1:$PG_PORT (data $PG_DATA)"
  row kafka "127.0.0.1:$KAFKA_PORT (controller $KAFKA_CONTROLLER_PORT)"
  row placement "127.0.0.1:$PLACEMENT_PORT (healthz $PLACEMENT_HEALTHZ_PORT)"
  row scheduler "127.0.0.1:$SCHEDULER_PORT (healthz $SCHEDULER_HEALTHZ_PORT, etcd $SCHEDULER_ETCD_CLIENT_PORT)"
  for r in "${APPS[@]}"; do
    read -r app app_port http grpc _ metrics _ <<<"$r"
    row "$app" "http://127.0.0.1:$app_port"
    row "$app-daprd" "http $http, grpc $grpc, metrics $metrics"
  done
  row web "http://127.0.0.1:$WEB_PORT (web app; API through its /api/v1 proxy)"
  row zipkin "http://127.0.0.1:$ZIPKIN_PORT/zipkin/ (traces; API /api/v2/traces)"
  row prometheus "http://127.0.0.1:$PROMETHEUS_PORT (metrics, alerts; config $STATE/prometheus)"
  row alertmanager "http://127.0.0.1:$ALERTMANAGER_PORT (alert routing: email + webhooks; config $STATE/alertmanager)"
  row kafka-exporter "http://127.0.0.1:$KAFKA_EXPORTER_PORT/metrics (consumer lag, DLQ depth)"
  printf 'logs: %s\n' "$LOGS"
  printf 'dapr CLI: %s (or phase-5/scripts/workflows.sh list | history series-<id>)\n' "$BIN/dapr"
  printf 'uv: %s\n' "$BIN/uv"
}
