#!/usr/bin/env bash
# Installs checkov (PyPI) as a uv tool in its own environment under the cache: it pins its
# own forks of detect-secrets and python-hcl2, which must never meet the project's venv.
# Its entry point is linked into $BIN; prints its path. Used by the chart and IaC checks.
source "$(dirname "$0")/lib/common.sh"
[ -x "$BIN/uv" ] || bash "$(dirname "$0")/install-python.sh" >&2
export UV_TOOL_DIR="$CACHE/tools" UV_TOOL_BIN_DIR="$BIN"
if [ ! -x "$BIN/checkov" ] || [ "$(cat "$BIN/.checkov.version" 2>/dev/null)" != "$CHECKOV_VERSION" ]; then
  log "installing checkov $CHECKOV_VERSION (own uv tool environment)"
  uv tool install -q --force --python 3.11 "checkov==$CHECKOV_VERSION" >&2
  echo "$CHECKOV_VERSION" >"$BIN/.checkov.version"
fi
echo "$BIN/checkov"
