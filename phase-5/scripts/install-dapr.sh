#!/usr/bin/env bash
# Builds daprd, placement, scheduler (github.com/dapr/dapr) and the dapr CLI from the Go
# module proxy. Idempotent: a binary stamped with the pinned version is never rebuilt.
source "$(dirname "$0")/lib/common.sh"

command -v go >/dev/null || die "go is not installed; install Go 1.26+ and run again"
mkdir -p "$BIN" "$CACHE/build"
# Two shells running dev-up.sh at once would each wipe and rebuild the other's build copy.
exec 9>"$CACHE/build/.install-dapr.lock"
flock 9

stamp_ok() { [ -x "$BIN/$1" ] && [ "$(cat "$BIN/.$1.version" 2>/dev/null)" = "$2" ]; }

# Copies a module out of the read-only module cache into a writable build directory.
module_copy() {
  local mod=$1 version=$2 dest=$3 dir
  [ -d "$dest" ] && return 0
  dir=$(cd "$CACHE/build" && go mod download -json "$mod@v$version" \
        | python3 -c 'import json,sys; print(json.load(sys.stdin)["Dir"])')
  cp -r "$dir" "$dest.tmp" && chmod -R u+w "$dest.tmp" && mv "$dest.tmp" "$dest"
}

build_runtime() {
  local src="$CACHE/build/dapr-$DAPR_VERSION"
  local patchfile="$P5_ROOT/scripts/patches/dapr-$DAPR_VERSION-healthz-listen-address.patch"
  if [ ! -f "$src/.p5-patched" ]; then
    command -v patch >/dev/null || die "patch is not installed; apt-get install patch"
    rm -rf "$src" "$src.tmp"
    module_copy github.com/dapr/dapr "$DAPR_VERSION" "$src"
    # placement and scheduler parse --healthz-listen-address but bind healthz on every
    # interface; the patch (to the build copy only) makes them honour it: 127.0.0.1 only.
    patch -p1 --forward --quiet -d "$src" <"$patchfile"
    touch "$src/.p5-patched"
  fi
  local ldflags="-s -w -X github.com/dapr/dapr/pkg/buildinfo.version=$DAPR_VERSION"
  for cmd in placement scheduler daprd; do
    local stamp="$DAPR_VERSION"
    [ "$cmd" = daprd ] || stamp="$DAPR_VERSION-healthz"
    stamp_ok "$cmd" "$stamp" && continue
    local tags=""
    # stablecomponents: every component we use (kafka, postgresql, local.file, kubernetes,
    # azure keyvault) at a fraction of allcomponents' build time; email goes out via aiosmtplib.
    [ "$cmd" = daprd ] && tags="-tags=stablecomponents"
    log "building $cmd v$DAPR_VERSION (cold build takes minutes)"
    local t0=$SECONDS
    (cd "$src" && go build $tags -trimpath -ldflags "$ldflags" -o "$BIN/$cmd.new" "./cmd/$cmd")
    mv "$BIN/$cmd.new" "$BIN/$cmd"
    echo "$stamp" >"$BIN/.$cmd.version"
    log "built $cmd in $((SECONDS - t0)) s"
  done
}

build_cli() {
  local stamp="$DAPR_CLI_VERSION-pgfix-history"
  stamp_ok dapr "$stamp" && return 0
  command -v patch >/dev/null || die "patch is not installed; apt-get install patch"
  # `go install module@version` asks the proxy for the version list, which it refuses for
  # dapr/cli; building inside a copy of the module needs only the pinned version. The copy
  # is made afresh so the edits below always apply to pristine sources.
  local src="$CACHE/build/cli-$DAPR_CLI_VERSION"
  rm -rf "$src" "$src.tmp"
  module_copy github.com/dapr/cli "$DAPR_CLI_VERSION" "$src"
  # Its pinned components-contrib v1.16.3 is refused by the proxy; v1.16.1 is served and
  # builds (the CLI only uses its metadata types).
  (cd "$src" && go mod edit -replace github.com/dapr/components-contrib=github.com/dapr/components-contrib@v1.16.1)
  # `dapr workflow list` on PostgreSQL sends a `?` placeholder that pgx rejects (syntax error
  # at ";"); pgx wants `$1`. One-token fix applied to the build copy, never to our repo.
  sed -i 's/WHERE key LIKE ?;/WHERE key LIKE $1;/' "$src/pkg/workflow/db/sql.go"
  # `dapr workflow history` reads the workflow actor's state with GetActorState, which
  # runtime 1.18 refuses for internal actor types (the CLI then prints an empty table); the
  # patch asks the sidecar's TaskHubSidecarService/GetInstanceHistory gRPC instead.
  patch -p1 --forward --quiet -d "$src" <"$P5_ROOT/scripts/patches/dapr-cli-$DAPR_CLI_VERSION-history.patch"
  log "building dapr CLI v$DAPR_CLI_VERSION"
  local t0=$SECONDS
  (cd "$src" && go build -trimpath \
    -ldflags "-s -w -X main.version=$DAPR_CLI_VERSION -X main.apiVersion=1.0 -X main.runtimeVersion=$DAPR_VERSION" \
    -o "$BIN/dapr.new" .)
  mv "$BIN/dapr.new" "$BIN/dapr"
  echo "$stamp" >"$BIN/.dapr.version"
  log "built dapr CLI in $((SECONDS - t0)) s"
}

build_runtime
build_cli
