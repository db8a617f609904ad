#!/usr/bin/env bash
# Prints a valid API token (HS256, 1 hour) for USER, signed with the local dev secret.
#   curl -H "Authorization: Bearer $(phase-5/scripts/dev-token.sh alice)" ...
source "$(dirname "$0")/lib/common.sh"
[ $# -eq 1 ] && [ -n "$1" ] || die "usage: dev-token.sh USER"
[ -s "$SECRETS_FILE" ] || die "no local secrets yet: run phase-5/scripts/dev-up.sh first"
"$P5_ROOT/.venv/bin/python" - "$SECRETS_FILE" "$1" <<'PY'
import json, sys, time
import jwt
secrets_file, user = sys.argv[1], sys.argv[2]
key = json.load(open(secrets_file))["better-auth-secret"]
now = int(time.time())
print(jwt.encode({"sub": user, "iat": now, "exp": now + 3600}, key, algorithm="HS256"))
PY
