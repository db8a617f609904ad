#!/usr/bin/env bash
# Fetches a KRaft Kafka broker (and its tools) from Maven Central into $KAFKA_HOME/libs.
source "$(dirname "$0")/lib/common.sh"

command -v java >/dev/null || die "java is not installed; install a JDK 17+ (apt-get install openjdk-17-jre-headless)"
command -v mvn >/dev/null || die "mvn is not installed; apt-get install maven"
stamp="$KAFKA_HOME/libs/.complete"
[ -f "$stamp" ] && exit 0
log "fetching Kafka $KAFKA_VERSION from Maven Central"
rm -rf "$KAFKA_HOME/libs.tmp"
mvn -q -B -f "$P5_ROOT/scripts/kafka/pom.xml" -Dmaven.repo.local="$CACHE/m2" \
  -Dkafka.version="$KAFKA_VERSION" dependency:copy-dependencies \
  -DincludeScope=runtime -DoutputDirectory="$KAFKA_HOME/libs.tmp"
rm -rf "$KAFKA_HOME/libs" && mv "$KAFKA_HOME/libs.tmp" "$KAFKA_HOME/libs"
touch "$stamp"
