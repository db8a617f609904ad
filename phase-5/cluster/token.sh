#!/usr/bin/env bash
# Prints an API token (HS256, 1 hour) for USER, signed with the local cluster's secret.
#   curl -H "Authorization: Bearer $(phase-5/cluster/token.sh alice)" 127.0.0.1:8000/api/v1/tasks
source "$(dirname "$0")/../scripts/lib/common.sh"
source "$P5_ROOT/cluster/lib.sh"
[ $# -eq 1 ] && [ -n "$1" ] || die "usage: cluster/token.sh USER"
file="$CSTATE/secrets/local.json"
[ -s "$file" ] || die "no cluster secrets yet: run phase-5/scripts/dev-up.sh --k8s first"
"$P5_ROOT/.venv/bin/python" - "$file" "$1" <<'PY'
import json, sys, time
import jwt
secrets_file, user = sys.argv[1], sys.argv[2]
key = json.load(open(secrets_file))["better-auth-secret"]
now = int(time.time())
print(jwt.encode({"sub": user, "iat": now, "exp": now + 3600}, key, algorithm="HS256"))
PY
