#!/usr/bin/env bash
# Prometheus and promtool from Debian's `prometheus` package, unpacked into the cache
# (never installed): installing it would enable Debian's own service on 0.0.0.0:9090 and
# a system user, and the stack runs its own Prometheus on 127.0.0.1 with its own config.
source "$(dirname "$0")/lib/common.sh"

dir="$CACHE/debs/prometheus"
if [ ! -x "$dir/usr/bin/prometheus" ]; then
  command -v apt-get >/dev/null || die "apt-get is needed to fetch Debian's prometheus package"
  log "fetching Debian's prometheus package"
  tmp="$(mktemp -d)"
  (cd "$tmp" && apt-get download -q prometheus >/dev/null) \
    || die "apt-get download prometheus failed (run apt-get update?)"
  rm -rf "$dir.tmp" && mkdir -p "$dir.tmp"
  dpkg-deb -x "$tmp"/prometheus_*.deb "$dir.tmp"
  rm -rf "$tmp" "$dir" && mv "$dir.tmp" "$dir"
fi
mkdir -p "$BIN"
ln -sf "$dir/usr/bin/prometheus" "$BIN/prometheus"
ln -sf "$dir/usr/bin/promtool" "$BIN/promtool"
