#!/usr/bin/env bash
# Creates phase-5/.venv from the lock file with uv. uv itself (pinned) is installed from PyPI
# into $CACHE/uv-$UV_VERSION and linked into $BIN, the one directory every script puts on
# PATH: a fresh shell always finds it, whatever PATH the user's login gives.
source "$(dirname "$0")/lib/common.sh"

python3 -c 'import sys; assert sys.version_info[:2] == (3, 11)' 2>/dev/null \
  || command -v python3.11 >/dev/null || die "Python 3.11 is required"
if [ "$("$BIN/uv" --version 2>/dev/null | awk '{print $2}')" != "$UV_VERSION" ]; then
  log "installing uv $UV_VERSION from PyPI"
  mkdir -p "$BIN"
  rm -rf "$CACHE/uv-$UV_VERSION"
  python3 -m pip install -q --disable-pip-version-check --no-warn-script-location \
    --target "$CACHE/uv-$UV_VERSION" "uv==$UV_VERSION"
  ln -sfn "$CACHE/uv-$UV_VERSION/bin/uv" "$BIN/uv"
fi
cd "$P5_ROOT"
uv sync --frozen --python 3.11 -q
