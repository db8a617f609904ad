#!/usr/bin/env bash
# Installs the PostgreSQL server from Debian's packages (the cluster itself is ours, see dev-up).
source "$(dirname "$0")/lib/common.sh"

[ -x "$PG_BIN/postgres" ] && exit 0
command -v apt-get >/dev/null || die "PostgreSQL $PG_MAJOR is missing and apt-get is not available; install postgresql-$PG_MAJOR"
SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
log "installing postgresql-$PG_MAJOR from Debian"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "postgresql-$PG_MAJOR" >/dev/null
# Debian starts its own cluster on 5432; ours runs separately on $PG_PORT, so leave theirs alone.
