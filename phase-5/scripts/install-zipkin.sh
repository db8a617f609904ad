#!/usr/bin/env bash
# Fetches the Zipkin server (one executable jar) from Maven Central into $CACHE, by the
# same Maven route as Kafka: GitHub releases and image registries are not reachable.
source "$(dirname "$0")/lib/common.sh"

command -v java >/dev/null || die "java is not installed; install a JDK 17+ (apt-get install openjdk-17-jre-headless)"
command -v mvn >/dev/null || die "mvn is not installed; apt-get install maven"
[ -s "$ZIPKIN_JAR" ] && exit 0
log "fetching Zipkin $ZIPKIN_VERSION from Maven Central"
dir="$(dirname "$ZIPKIN_JAR")"
mkdir -p "$dir"
mvn -q -B -Dmaven.repo.local="$CACHE/m2" dependency:copy \
  -Dartifact="io.zipkin:zipkin-server:$ZIPKIN_VERSION:jar:exec" -DoutputDirectory="$dir.tmp" \
  -Dmdep.stripVersion=false
mv "$dir.tmp/zipkin-server-$ZIPKIN_VERSION-exec.jar" "$ZIPKIN_JAR"
rm -rf "$dir.tmp"
