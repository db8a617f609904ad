#!/usr/bin/env bash
# The dapr CLI's workflow commands against the local stack, with the state store connection
# filled in from the local secrets (never printed):
#   workflows.sh list [flags]        workflows.sh history ID [flags]
source "$(dirname "$0")/lib/common.sh"
[ -s "$SECRETS_FILE" ] || die "no local secrets yet: run phase-5/scripts/dev-up.sh first"
cmd=${1:-list}; shift || true
conn=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["dapr-state-connection"])' "$SECRETS_FILE")
case "$cmd" in
  list) exec dapr workflow list -a recurring-task-service -c "$conn" -t dapr_workflow_state "$@" ;;
  *) exec dapr workflow "$cmd" -a recurring-task-service "$@" ;;
esac
