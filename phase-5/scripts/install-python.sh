#!/usr/bin/env bash
# Creates phase-5/.venv from the lock file (uv, from PyPI).
source "$(dirname "$0")/lib/common.sh"

command -v python3.11 >/dev/null || python3 -c 'import sys; assert sys.version_info[:2] == (3, 11)' \
  || die "Python 3.11 is required"
if ! command -v uv >/dev/null; then
  log "installing uv from PyPI"
  python3 -m pip install -q --user uv || python3 -m pip install -q uv
  export PATH="$HOME/.local/bin:$PATH"
fi
cd "$P5_ROOT"
uv sync --frozen --python 3.11 -q
