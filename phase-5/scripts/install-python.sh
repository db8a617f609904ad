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
# Byte-compiled at install, not at first import: an app then imports in 0.7–1.0 s of CPU instead
# of ~2.2 s, whether or not the user's environment lets Python write .pyc files
# (PYTHONDONTWRITEBYTECODE). uv compiles once; later syncs skip what is compiled.
uv sync --frozen --python 3.11 -q --compile-bytecode
# Our own packages too (compileall skips files whose .pyc is current).
mapfile -t packages < <(for d in */; do [ -f "$d/__init__.py" ] && echo "${d%/}"; done)
.venv/bin/python -m compileall -q "${packages[@]}" >/dev/null
