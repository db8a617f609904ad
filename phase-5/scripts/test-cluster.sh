#!/usr/bin/env bash
# The cluster tier for CI: brings up the local one-node Kubernetes with the whole platform
# (dev-up.sh --k8s), runs `helm test`, tests/cluster and tests/staging against it (the staging
# tests see only the forwarded API, a token and the test mailbox's inbox), prints the
# cluster's RSS, and tears it down with --purge (no host path stays; the build cache does).
#   test-cluster.sh [--keep] [PYTEST ARGS...]   --keep leaves the cluster running
# It takes 127.0.0.1:8000 like the process stack: on a shared machine run it under the
# stack lock (flock /tmp/p5-stack.lock ./phase-5/scripts/test-cluster.sh).
source "$(dirname "$0")/lib/common.sh"
source "$P5_ROOT/cluster/lib.sh"
source "$P5_ROOT/cluster/guard.sh"
source "$P5_ROOT/cluster/platform.sh"
cd "$P5_ROOT"
keep=0
[ "${1:-}" = --keep ] && { keep=1; shift; }
t0=$SECONDS
bash scripts/install-python.sh
teardown() { [ $keep = 1 ] || bash "$P5_ROOT/cluster/down.sh" --purge; }
trap teardown EXIT
bash cluster/up.sh
log "cluster with the platform up in $((SECONDS - t0)) s"
bash cluster/rss.sh
helm_ test "$RELEASE" -n "$APP_NS" --timeout 5m >/dev/null
log "helm test passed"
MAILBOX_PORT="${P5_MAILBOX_FORWARD_PORT:-8025}"
forward mailbox "$RELEASE-mailbox" "$MAILBOX_PORT" 8025
wait_for "mailbox inbox on 127.0.0.1:$MAILBOX_PORT" 60 curl -fsS "http://127.0.0.1:$MAILBOX_PORT/healthz"
P5_TOKEN=$(bash cluster/token.sh "staging-$(date +%s)")
export P5_TOKEN P5_BASE_URL="http://127.0.0.1:$API_FORWARD_PORT" P5_MAILBOX_URL="http://127.0.0.1:$MAILBOX_PORT"
export P5_MCP_URL="http://127.0.0.1:$MCP_FORWARD_PORT/mcp"
set +e
[ $# -gt 0 ] || set -- tests/cluster tests/staging
P5_CLUSTER_TESTS=1 uv run --frozen pytest -q -p no:cacheprovider "$@"
rc=$?
set -e
bash cluster/rss.sh
log "cluster tier done in $((SECONDS - t0)) s (pytest exit $rc)"
[ $rc -eq 5 ] && die "pytest collected no tests"
exit $rc
