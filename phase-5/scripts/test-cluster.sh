#!/usr/bin/env bash
# The cluster tier for CI: brings up the local one-node Kubernetes with the whole platform
# (dev-up.sh --k8s), runs tests/cluster and tests/staging against it, prints the cluster's
# RSS, and tears it down (--purge: no host path stays behind; the build cache stays).
#   test-cluster.sh [--keep] [PYTEST ARGS...]   --keep leaves the cluster running
# It takes the API's port 127.0.0.1:8000, like the process stack: on a shared machine run it
# under the stack lock (flock /tmp/p5-stack.lock ./phase-5/scripts/test-cluster.sh).
source "$(dirname "$0")/lib/common.sh"
source "$P5_ROOT/cluster/lib.sh"
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
"$BIN/helm" --kubeconfig "$KUBECONFIG_HOST" test phase5 -n phase5 --timeout 5m
set +e
P5_CLUSTER_TESTS=1 P5_STAGING_BASE_URL="http://127.0.0.1:8000" \
  uv run --frozen pytest -q -p no:cacheprovider "${@:-tests/cluster}"
rc=$?
set -e
bash cluster/rss.sh
log "cluster tier done in $((SECONDS - t0)) s (pytest exit $rc)"
[ $rc -eq 5 ] && die "pytest collected no tests"
exit $rc
