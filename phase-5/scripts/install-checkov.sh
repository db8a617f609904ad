#!/usr/bin/env bash
# Installs checkov (PyPI) as a uv tool in its own environment under the cache: it pins its
# own forks of libraries, which must never meet the project's venv. Prints its path.
source "$(dirname "$0")/lib/common.sh"
[ -x "$BIN/uv" ] || bash "$(dirname "$0")/install-python.sh" >&2
export UV_TOOL_DIR="$CACHE/uv-tools" UV_TOOL_BIN_DIR="$CACHE/uv-tools/bin"
exe="$UV_TOOL_BIN_DIR/checkov"
if [ ! -x "$exe" ] || [ "$(cat "$UV_TOOL_DIR/.checkov.version" 2>/dev/null)" != "$CHECKOV_VERSION" ]; then
  log "installing checkov $CHECKOV_VERSION (uv tool, $UV_TOOL_DIR)"
  uv tool install --force --python 3.11 "checkov==$CHECKOV_VERSION" >&2
  echo "$CHECKOV_VERSION" >"$UV_TOOL_DIR/.checkov.version"
fi
echo "$exe"
