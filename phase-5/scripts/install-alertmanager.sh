#!/usr/bin/env bash
# Alertmanager and amtool built from the Go module proxy into $CACHE/alertmanager-<version>.
# Not Debian's package: its 0.25 has no `url_file` for webhooks, and the receivers' URLs and
# passwords must come from files (the secret store), never from the config itself.
# v0.29.0 is the newest whose module still carries the web UI's assets (v0.30+ expect a
# `ui/app/dist` built by npm, which `go install` cannot produce).
source "$(dirname "$0")/lib/common.sh"

dir="$CACHE/alertmanager-$ALERTMANAGER_VERSION"
if [ ! -x "$dir/bin/alertmanager" ] || [ ! -x "$dir/bin/amtool" ]; then
  command -v go >/dev/null || die "go is needed to build Alertmanager (apt-get install golang, or /usr/local/go)"
  log "building Alertmanager v$ALERTMANAGER_VERSION from the Go module proxy (about 3 min, once)"
  rm -rf "$dir.tmp" && mkdir -p "$dir.tmp"
  GOBIN="$dir.tmp" nice -n 10 go install \
    "github.com/prometheus/alertmanager/cmd/alertmanager@v$ALERTMANAGER_VERSION" \
    "github.com/prometheus/alertmanager/cmd/amtool@v$ALERTMANAGER_VERSION"
  rm -rf "$dir" && mkdir -p "$dir" && mv "$dir.tmp" "$dir/bin"
fi
mkdir -p "$BIN"
ln -sf "$dir/bin/alertmanager" "$BIN/alertmanager"
ln -sf "$dir/bin/amtool" "$BIN/amtool"
