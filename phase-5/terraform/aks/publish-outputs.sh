#!/usr/bin/env bash
# Publishes this environment's OpenTofu outputs as GitHub environment variables, which is
# how deploy.yml consumes them (vars.NAME): the pipeline never needs the state.
#   publish-outputs.sh staging|production     (after `tofu apply`, with `gh auth login` done)
set -euo pipefail
env=${1:?usage: publish-outputs.sh staging|production}
case "$env" in staging|production) ;; *) echo "unknown environment $env" >&2; exit 2 ;; esac
cd "$(dirname "$0")"
vars=$(tofu output -json pipeline_variables)
python3 - "$vars" <<'PY' | while IFS=$'\t' read -r name value; do
import json, sys
for k, v in json.loads(sys.argv[1]).items():
    print(f"{k}\t{v}")
PY
  gh variable set "$name" --env "$env" --body "$value"
done
gh variable set HELM_VALUES_AZURE --env "$env" --body "$(tofu output -json helm_values)"
echo "published $(python3 -c 'import json,sys; print(len(json.loads(sys.argv[1])))' "$vars") + 1 variables to environment $env"
