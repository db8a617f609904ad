#!/usr/bin/env bash
# Checks the deployment artefacts offline with the field's own tools (installed by
# install-iac-tools.sh): OpenTofu's formatter on the Terraform, actionlint and zizmor on the
# GitHub workflows, checkov on the Terraform. Exits non-zero on the first failing tool and
# prints how long each took. (`tofu validate` needs the azurerm provider from a provider
# registry, which is not reachable here; the parsed-HCL tests in tests/deploy stand in.)
source "$(dirname "$0")/lib/common.sh"
repo="$(cd "$P5_ROOT/.." && pwd)"
tf="$P5_ROOT/terraform"
workflows="$repo/.github/workflows"
# A CLI configuration variable naming a missing file only makes OpenTofu print warnings.
[ -e "${TF_CLI_CONFIG_FILE:-/}" ] || unset TF_CLI_CONFIG_FILE
for tool in tofu actionlint zizmor checkov; do
  [ -x "$BIN/$tool" ] || die "$tool is missing: run phase-5/scripts/install-iac-tools.sh"
done

timed() {
  local name=$1 t0 rc=0 ms; shift
  t0=$(date +%s%N)
  "$@" || rc=$?
  ms=$(( ($(date +%s%N) - t0) / 1000000 ))
  printf '[check-iac] %-18s %s in %d ms\n' "$name" "$([ $rc -eq 0 ] && echo ok || echo FAILED)" "$ms" >&2
  return $rc
}

timed tofu-fmt tofu fmt -check -recursive -diff "$tf"
# actionlint also runs shellcheck (when installed) on every run: block.
timed actionlint actionlint -no-color "$workflows"/*.yml
timed zizmor zizmor --offline --no-progress "$workflows"
# No network: no module downloads, no platform calls. Every skip in the code carries its reason.
# Once per environment: with its variable file, checkov sees the values it will run with.
for env in staging production; do
  timed "checkov-$env" env BC_SKIP_MAPPING=TRUE checkov --quiet --compact --skip-download \
    --framework terraform -d "$tf/aks" --var-file "$tf/aks/environments/$env.tfvars"
done
