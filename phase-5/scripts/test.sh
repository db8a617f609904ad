#!/usr/bin/env bash
# The test command: lint, types, then every test tier against the real stack (the pytest
# session fixture starts it through dev-up.sh). Extra arguments go to pytest.
source "$(dirname "$0")/lib/common.sh"
cd "$P5_ROOT"
bash scripts/install-python.sh
# The deployment checks need helm and the IaC checkers (cached by version; cold, OpenTofu's
# build takes minutes): installed here rather than inside a test's timeout.
if [ $# -eq 0 ] || [[ " $* " == *deploy* ]]; then
  bash scripts/install-helm.sh
  bash scripts/install-iac-tools.sh
fi
# promtool (the alert rules' unit tests) comes with Prometheus: a no-op once cached.
bash scripts/install-prometheus.sh
# amtool checks the local Alertmanager config (tests/deploy/test_alerting.py): cached build.
bash scripts/install-alertmanager.sh
log "ruff"; uv run --frozen ruff check .
log "mypy"; uv run --frozen mypy .
log "pytest"
set +e
uv run --frozen pytest -q -p no:cacheprovider "${@:-tests}"
rc=$?
set -e
[ $rc -eq 5 ] && die "pytest collected no tests"
exit $rc
