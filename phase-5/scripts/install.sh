#!/usr/bin/env bash
# Installs everything the stack needs from the package registries only (Debian, Go module
# proxy, Maven Central, PyPI, npm). Idempotent and cached under ~/.cache/phase5: a second run
# is a no-op measured in seconds.
source "$(dirname "$0")/lib/common.sh"
here="$(dirname "$0")"
t0=$SECONDS
bash "$here/install-debian.sh"
bash "$here/install-python.sh"
bash "$here/install-web.sh"
bash "$here/install-kafka.sh"
bash "$here/install-dapr.sh"
bash "$here/install-zipkin.sh"
bash "$here/install-prometheus.sh"
bash "$here/install-alertmanager.sh"
log "install complete in $((SECONDS - t0)) s (cache: $CACHE)"
