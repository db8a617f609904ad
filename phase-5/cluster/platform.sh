# Installs the platform on the running node: images, the official Dapr chart (mTLS), the
# local secrets, our chart; forwards the API to 127.0.0.1:8000. Sourced by cluster/up.sh.

export RELEASE=phase5 APP_NS=phase5 DAPR_NS=dapr-system
export DAPR_CHART="$CACHE/build/dapr-$DAPR_VERSION/charts/dapr"
export CHART="${P5_CHART:-$P5_ROOT/charts/phase5}"
# The process stack's API port; another one (P5_API_FORWARD_PORT) for a machine where
# :8000 is in use by something else.
export API_FORWARD_PORT="${P5_API_FORWARD_PORT:-8000}"
# The chatbot's MCP server (streamable HTTP at /mcp), where the process stack serves it.
export MCP_FORWARD_PORT="${P5_MCP_FORWARD_PORT:-8003}"
# The web app, like the process stack's (P5_WEB_FORWARD_PORT to move it).
export WEB_FORWARD_PORT="${P5_WEB_FORWARD_PORT:-3000}"

helm_() { "$BIN/helm" --kubeconfig "$KUBECONFIG_HOST" "$@"; }

# A helm run killed midway (a crash, a stopped session) leaves its release "pending-*", and
# every later upgrade then refuses: "another operation (install/upgrade/rollback) is in
# progress". Only these scripts run helm on this private cluster, so a pending release here is
# a dead one: a first install that never finished is removed, an upgrade is rolled back.
recover_release() {
  local name=$1 ns=$2 status
  status=$(helm_ status "$name" -n "$ns" -o json 2>/dev/null \
    | python3 -c 'import json, sys; print(json.load(sys.stdin)["info"]["status"])' 2>/dev/null) || return 0
  case "$status" in
    pending-install)
      log "release $name was left half-installed (a killed run): removing it"
      helm_ uninstall "$name" -n "$ns" --wait --timeout 5m >/dev/null ;;
    pending-upgrade | pending-rollback)
      log "release $name was left mid-upgrade (a killed run): rolling back"
      helm_ rollback "$name" -n "$ns" --wait --timeout 5m >/dev/null ;;
  esac
}

# From nothing: the process stack's installer (Debian packages incl. the JRE and Maven that
# fetch the Kafka jars, the venv, Dapr) and helm; each is a no-op when cached.
ensure_tools() {
  bash "$P5_ROOT/scripts/install.sh"
  bash "$P5_ROOT/scripts/install-helm.sh"
  [ -x "$BIN/helm" ] || die "helm missing: run scripts/install-helm.sh"
  [ -d "$CHART" ] || die "no chart at $CHART"
}

ctr_() { "$CLUSTER_BIN/ctr" -a "$CONTAINERD_SOCK" -n k8s.io "$@"; }

load_images() {
  bash "$P5_ROOT/scripts/install-cluster.sh" dapr-images
  bash "$P5_ROOT/images/build.sh" --import dapr daprd app app-test kafka postgres web
  # The official chart names one image per control-plane service; ours holds all five
  # binaries, so each name is a tag of the same image (no extra bytes).
  local svc
  for svc in operator placement sentry injector scheduler; do
    ctr_ images tag --force "localhost/dapr/dapr:$DAPR_VERSION" "localhost/dapr/$svc:$DAPR_VERSION" >/dev/null
  done
}

install_dapr() {
  local values=()
  local dv="$(dirname "$CHART")/dapr/values-local.yaml"
  [ -f "$dv" ] && values=(--values "$dv")
  local t0=$SECONDS
  recover_release dapr "$DAPR_NS"
  helm_ upgrade --install dapr "$DAPR_CHART" --namespace "$DAPR_NS" --create-namespace "${values[@]}" \
    --set global.registry=localhost/dapr --set global.tag="$DAPR_VERSION" \
    --set global.imagePullPolicy=IfNotPresent --set global.mtls.enabled=true \
    --wait --timeout 5m >/dev/null
  log "Dapr control plane Ready in $((SECONDS - t0)) s"
}

# Random local secrets, generated once into a file only root reads, and loaded as one
# Kubernetes Secret per name (key = name), which the chart's `kubernetes` secret store serves.
# They never appear in git, in a manifest on disk, in the environment or in a log.
ensure_secrets() {
  local file="$CSTATE/secrets/local.json"
  mkdir -p "$CSTATE/secrets" && chmod 700 "$CSTATE/secrets"
  (umask 077 && python3 - "$file" "$RELEASE" "$APP_NS" <<'PY'
import base64, json, os, secrets, sys, subprocess
path, release, ns = sys.argv[1:4]
data = json.load(open(path)) if os.path.exists(path) else {}
before = dict(data)
pw = data.setdefault("postgres-password", secrets.token_urlsafe(24))
host = f"{release}-postgres.{ns}.svc.cluster.local"
data.setdefault("database-url", f"postgresql+asyncpg://todo:{pw}@{host}:5432/todo")
data.setdefault("dapr-state-connection", f"host={host} port=5432 user=todo password={pw} dbname=todo")
data.setdefault("better-auth-secret", secrets.token_urlsafe(48))
data.setdefault("smtp-host", f"{release}-mailbox.{ns}.svc.cluster.local")
data.setdefault("smtp-port", "2525")
data.setdefault("smtp-username", "")
data.setdefault("smtp-password", "")
data.setdefault("smtp-from", "reminders@todo.local")
if "vapid-private-key" not in data:
    out = subprocess.run(["openssl", "ecparam", "-name", "prime256v1", "-genkey", "-noout"],
                         capture_output=True, check=True).stdout
    pkcs8 = subprocess.run(["openssl", "pkcs8", "-topk8", "-nocrypt"], input=out,
                           capture_output=True, check=True).stdout
    der = subprocess.run(["openssl", "ec", "-pubout", "-outform", "DER"], input=out,
                         capture_output=True, check=True).stdout
    data["vapid-private-key"] = pkcs8.decode()
    data["vapid-public-key"] = base64.urlsafe_b64encode(der[-65:]).decode().rstrip("=")
    data.setdefault("vapid-subject", "mailto:reminders@todo.local")
if data != before:
    with open(path + ".tmp", "w") as f:
        json.dump(data, f, indent=2)
    os.replace(path + ".tmp", path)
PY
  )
  kc create namespace "$APP_NS" --dry-run=client -o yaml | kc apply -f - >/dev/null
  python3 - "$file" "$APP_NS" <<'PY' | kc apply -f - >/dev/null
import base64, json, sys
data = json.load(open(sys.argv[1]))
items = [{"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
          "metadata": {"name": k, "namespace": sys.argv[2],
                       "labels": {"app.kubernetes.io/part-of": "phase5-local-secrets"}},
          "data": {k: base64.b64encode(v.encode()).decode()}} for k, v in data.items()]
print(json.dumps({"apiVersion": "v1", "kind": "List", "items": items}))
PY
}

app_image_tag() { cat "$CACHE/images/app.tag"; }

install_app() {
  local values=()
  [ -f "$CHART/values-local.yaml" ] && values=(--values "$CHART/values-local.yaml")
  local t0=$SECONDS tag; tag=$(app_image_tag)
  recover_release "$RELEASE" "$APP_NS"
  helm_ upgrade --install "$RELEASE" "$CHART" --namespace "$APP_NS" --create-namespace "${values[@]}" \
    --set image.tag="$tag" --set mailbox.image="localhost/phase5/app-test:$(cat "$CACHE/images/app-test.tag")" \
    --set web.image.tag="$(cat "$CACHE/images/web.tag")" "$@" \
    --wait --timeout 10m >/dev/null
  log "chart $RELEASE (app $tag) Ready in $((SECONDS - t0)) s"
}

all_pods_ready() {
  # Every pod of every namespace Ready, or Succeeded (jobs, helm test pods).
  ! kc get pods -A --no-headers -o custom-columns=P:.status.phase,R:'.status.conditions[?(@.type=="Ready")].status' \
    | grep -v -e '^Succeeded' -e 'Running *True$' | grep -q .
}

install_platform() {
  load_images
  install_dapr
  ensure_secrets
  install_app "$@"
  wait_for "every pod Ready" 300 all_pods_ready
}

# kubectl port-forward follows one pod; the loop reconnects when it is replaced. Binds
# 127.0.0.1 only.  forward NAME SERVICE LOCAL_PORT SERVICE_PORT
forward() {
  local name=$1 svc=$2 local_port=$3 port=$4
  node_running "forward-$name" && return 0
  refuse_if_ports_taken "$local_port"
  echo "$local_port" >"$CRUN/forward-$name.port"
  start_host_proc "forward-$name" bash -c "while :; do '$K8S_BIN/kubectl' --kubeconfig '$KUBECONFIG_HOST' \
    -n $APP_NS port-forward --address 127.0.0.1 svc/$svc $local_port:$port; sleep 1; done"
}

start_forward() {
  forward api "$RELEASE-todo-api" "$API_FORWARD_PORT" 8000
  wait_for "API on 127.0.0.1:$API_FORWARD_PORT" 60 curl -fsS "http://127.0.0.1:$API_FORWARD_PORT/healthz"
  log "API forwarded to http://127.0.0.1:$API_FORWARD_PORT"
  forward mcp "$RELEASE-chatbot-mcp" "$MCP_FORWARD_PORT" 8003
  wait_for "MCP server on 127.0.0.1:$MCP_FORWARD_PORT" 60 curl -fsS "http://127.0.0.1:$MCP_FORWARD_PORT/healthz"
  log "chatbot tools (MCP) forwarded to http://127.0.0.1:$MCP_FORWARD_PORT/mcp"
  forward web "$RELEASE-web" "$WEB_FORWARD_PORT" 3000
  wait_for "web app on 127.0.0.1:$WEB_FORWARD_PORT" 60 curl -fsS "http://127.0.0.1:$WEB_FORWARD_PORT/healthz"
  log "web app forwarded to http://127.0.0.1:$WEB_FORWARD_PORT"
}

print_cluster_status() {
  if ! cluster_up; then echo "cluster: down (state: $CSTATE)"; return 0; fi
  echo "cluster: up (node $NODE_NAME in network namespace $NETNS, node IP $NODE_IP)"
  echo "kubeconfig: $KUBECONFIG_HOST  (API at https://127.0.0.1:$API_HOST_PORT)"
  echo "kubectl: ./phase-5/scripts/kubectl.sh   helm: ./phase-5/scripts/helm.sh"
  node_running forward-api &&
    echo "API: http://127.0.0.1:$(cat "$CRUN/forward-api.port") (port-forward to svc/$RELEASE-todo-api)"
  node_running forward-mcp &&
    echo "chatbot tools (MCP): http://127.0.0.1:$(cat "$CRUN/forward-mcp.port")/mcp (port-forward to svc/$RELEASE-chatbot-mcp)"
  node_running forward-web &&
    echo "web app: http://127.0.0.1:$(cat "$CRUN/forward-web.port") (port-forward to svc/$RELEASE-web)"
  node_running forward-mailbox &&
    echo "test mailbox inbox: http://127.0.0.1:$(cat "$CRUN/forward-mailbox.port")"
  kc get nodes -o wide 2>/dev/null || true
  kc get pods -A -o wide 2>/dev/null || true
}
