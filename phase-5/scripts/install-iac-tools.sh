#!/usr/bin/env bash
# The checkers of the deployment artefacts, from the package registries only, into
# ~/.cache/phase5/bin, each stamped with its pinned version and never rebuilt while the stamp
# matches:
#   tofu       OpenTofu, built from a copy of its Go module (`go install` is refused for its
#              `replace` directives; the same copy-and-build route as Dapr)
#   actionlint built from the Go module proxy
#   zizmor     the PyPI wheel (a Rust binary), in a uv tool environment of its own
#   checkov    install-checkov.sh (its own uv tool environment)
#   (and, when missing, Debian's shellcheck: actionlint runs it on every `run:` block)
source "$(dirname "$0")/lib/common.sh"

TOFU_VERSION="1.12.6"
ACTIONLINT_VERSION="1.7.12"
ZIZMOR_VERSION="1.32.0"

command -v go >/dev/null || die "go is not installed; install Go 1.26+ and run again"
[ -x "$BIN/uv" ] || bash "$(dirname "$0")/install-python.sh"
mkdir -p "$BIN" "$CACHE/build"
# The uv tool environments live under the cache, keyed by tool and version, never in ~/.local.
export UV_TOOL_DIR="$CACHE/tools" UV_TOOL_BIN_DIR="$BIN"

stamp_ok() { [ -x "$BIN/$1" ] && [ "$(cat "$BIN/.$1.version" 2>/dev/null)" = "$2" ]; }
stamp() { echo "$2" >"$BIN/.$1.version"; }

# Copies a module out of the read-only module cache into a writable build directory.
module_copy() {
  local mod=$1 version=$2 dest=$3 dir
  [ -d "$dest" ] && return 0
  dir=$(cd "$CACHE/build" && go mod download -json "$mod@v$version" \
        | python3 -c 'import json,sys; print(json.load(sys.stdin)["Dir"])')
  cp -r "$dir" "$dest.tmp" && chmod -R u+w "$dest.tmp" && mv "$dest.tmp" "$dest"
}

build_tofu() {
  stamp_ok tofu "$TOFU_VERSION" && return 0
  local src="$CACHE/build/opentofu-$TOFU_VERSION" t0=$SECONDS
  log "building OpenTofu v$TOFU_VERSION (cold build takes minutes)"
  module_copy github.com/opentofu/opentofu "$TOFU_VERSION" "$src"
  # version.dev=no makes `tofu version` print the release, not "-dev".
  (cd "$src" && nice go build -trimpath \
    -ldflags "-s -w -X github.com/opentofu/opentofu/version.dev=no" \
    -o "$BIN/tofu.new" ./cmd/tofu)
  mv "$BIN/tofu.new" "$BIN/tofu"
  stamp tofu "$TOFU_VERSION"
  log "built tofu in $((SECONDS - t0)) s"
}

build_actionlint() {
  stamp_ok actionlint "$ACTIONLINT_VERSION" && return 0
  local t0=$SECONDS gobin="$CACHE/build/actionlint-$ACTIONLINT_VERSION"
  log "building actionlint v$ACTIONLINT_VERSION"
  GOBIN="$gobin" nice go install -trimpath \
    -ldflags "-s -w -X github.com/rhysd/actionlint.version=$ACTIONLINT_VERSION" \
    "github.com/rhysd/actionlint/cmd/actionlint@v$ACTIONLINT_VERSION"
  mv "$gobin/actionlint" "$BIN/actionlint"
  stamp actionlint "$ACTIONLINT_VERSION"
  log "built actionlint in $((SECONDS - t0)) s"
}

# uv_tool NAME VERSION: the package in its own environment, its entry point linked into $BIN.
uv_tool() {
  local name=$1 version=$2 t0=$SECONDS
  stamp_ok "$name" "$version" && return 0
  log "installing $name $version from PyPI (own environment)"
  uv tool install -q --force --python 3.11 "$name==$version"
  stamp "$name" "$version"
  log "installed $name in $((SECONDS - t0)) s"
}

# actionlint checks the shell of every `run:` block with shellcheck when it is on PATH.
if ! command -v shellcheck >/dev/null && command -v apt-get >/dev/null; then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  log "installing shellcheck from Debian"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq shellcheck >/dev/null
fi
build_tofu
build_actionlint
uv_tool zizmor "$ZIZMOR_VERSION"
bash "$(dirname "$0")/install-checkov.sh" >/dev/null
