#!/usr/bin/env bash
# Builds the Temporal CLI (whose `server start-dev` embeds a SQLite-backed dev server) from
# the Go module proxy, for the peer benchmark only. v1.9.1's module is unusable through
# `go install` (replace directives; its zip lacks the cliext/ folder go.mod points at);
# v1.5.1 is the newest release the proxy lists whose module builds whole with `go install`.
# Idempotent: the binary lives under $CACHE keyed by version and is never rebuilt.
source "$(dirname "$0")/../../../scripts/lib/common.sh"

TEMPORAL_CLI_VERSION="${TEMPORAL_CLI_VERSION:-1.5.1}"
dest="$CACHE/temporal-cli-$TEMPORAL_CLI_VERSION"
[ -x "$dest/temporal" ] && { echo "$dest/temporal"; exit 0; }
command -v go >/dev/null || die "go is not installed"
mkdir -p "$CACHE/build"
exec 9>"$CACHE/build/.install-temporal.lock"
flock 9
[ -x "$dest/temporal" ] && { echo "$dest/temporal"; exit 0; }
log "building temporal CLI v$TEMPORAL_CLI_VERSION (go install, niced)"
start=$(date +%s)
GOBIN="$dest.tmp" nice -n 10 go install -trimpath -ldflags "-s -w" \
  "github.com/temporalio/cli/cmd/temporal@v$TEMPORAL_CLI_VERSION"
mv "$dest.tmp" "$dest"
log "temporal CLI built in $(( $(date +%s) - start )) s"
echo "$dest/temporal"
