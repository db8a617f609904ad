#!/usr/bin/env bash
# Runs the staging integration tests (tests/staging), which know only a base URL, a token
# and a test SMTP receiver's inbox:
#   P5_BASE_URL=https://… P5_TOKEN=… P5_MAILBOX_URL=https://… phase-5/scripts/test-staging.sh
#   phase-5/scripts/test-staging.sh --process-stack   # against the process stack (dev-up.sh):
#       starts the receiver on 127.0.0.1:2525 (where the local secrets send mail), its inbox
#       on 127.0.0.1:8025, mints a token with dev-token.sh, and exports the three variables.
# Extra arguments go to pytest.
source "$(dirname "$0")/lib/common.sh"
cd "$P5_ROOT"
bash scripts/install-python.sh
mailbox_pid=""
cleanup() { [ -n "$mailbox_pid" ] && kill "$mailbox_pid" 2>/dev/null && wait "$mailbox_pid" 2>/dev/null; true; }
trap cleanup EXIT
if [ "${1:-}" = "--process-stack" ]; then
  shift
  bash scripts/dev-up.sh --no-reload
  .venv/bin/python -m tests.staging.mailbox --smtp 127.0.0.1:2525 --http 127.0.0.1:8025 &
  mailbox_pid=$!
  for _ in $(seq 50); do
    curl -fsS http://127.0.0.1:8025/healthz >/dev/null 2>&1 && break
    kill -0 "$mailbox_pid" 2>/dev/null || die "the test mailbox did not start (is 2525 or 8025 taken?)"
    sleep 0.2
  done
  export P5_BASE_URL=http://127.0.0.1:8000 P5_MAILBOX_URL=http://127.0.0.1:8025
  P5_TOKEN=$(bash scripts/dev-token.sh "staging-$(date +%s)")
  export P5_TOKEN
fi
[ -n "${P5_BASE_URL:-}" ] && [ -n "${P5_TOKEN:-}" ] && [ -n "${P5_MAILBOX_URL:-}" ] \
  || die "set P5_BASE_URL, P5_TOKEN and P5_MAILBOX_URL, or pass --process-stack"
log "staging tests against $P5_BASE_URL"
set +e
uv run --frozen pytest -q -p no:cacheprovider tests/staging "$@"
rc=$?
set -e
[ $rc -eq 5 ] && die "pytest collected no tests"
exit $rc
