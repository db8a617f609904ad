#!/usr/bin/env bash
# Debian packages the stack needs: the PostgreSQL server, a JRE and Maven for Kafka, the
# small tools the scripts use, and Chromium for the browser tests (tests/browser drive it
# with Playwright; browser downloads are not reachable). Only what is missing is installed.
source "$(dirname "$0")/lib/common.sh"

missing=()
[ -x "$PG_BIN/postgres" ] || missing+=("postgresql-$PG_MAJOR")
command -v java >/dev/null || missing+=(openjdk-17-jre-headless)
command -v mvn >/dev/null || missing+=(maven)
command -v patch >/dev/null || missing+=(patch)
command -v curl >/dev/null || missing+=(curl)
command -v setpriv >/dev/null || missing+=(util-linux)
# Without recommends: Chromium then upgrades nothing else on the machine.
lean=()
command -v chromium >/dev/null || lean+=(chromium)
[ ${#missing[@]} -eq 0 ] && [ ${#lean[@]} -eq 0 ] && exit 0
command -v apt-get >/dev/null || die "missing ${missing[*]} ${lean[*]} and apt-get is not available; install them and run again"
SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
log "installing from Debian: ${missing[*]} ${lean[*]}"
$SUDO apt-get update -qq
if [ ${#missing[@]} -gt 0 ]; then
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi
if [ ${#lean[@]} -gt 0 ]; then
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${lean[@]}" >/dev/null
fi
# Debian starts its own cluster on 5432; ours runs separately on $PG_PORT, so leave theirs alone.
