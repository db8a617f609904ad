#!/usr/bin/env bash
# Creates the topics (12 partitions, the DLQs) on a remote Kafka API such as Redpanda Cloud,
# with the same code dev-up.sh uses on the local broker. Idempotent: only missing topics
# are created. The connection comes from the environment, never from arguments (ps shows
# arguments):
#   KAFKA_BOOTSTRAP=host:port KAFKA_SASL_USERNAME=... KAFKA_SASL_PASSWORD=... kafka-topics.sh
# SASL/SCRAM-SHA-256 over TLS; 30-day retention (TOPIC_RETENTION_MS overrides). The broker's
# certificate is checked against the JVM's CAs, or against KAFKA_SSL_CA_PEM (a PEM file) for
# a broker with a private CA.
source "$(dirname "$0")/lib/common.sh"
source "$P5_ROOT/scripts/lib/procs.sh"
source "$P5_ROOT/scripts/lib/stack.sh"
: "${KAFKA_BOOTSTRAP:?set KAFKA_BOOTSTRAP}" "${KAFKA_SASL_USERNAME:?set KAFKA_SASL_USERNAME}" "${KAFKA_SASL_PASSWORD:?set KAFKA_SASL_PASSWORD}"
bash "$P5_ROOT/scripts/install-kafka.sh"
mkdir -p "$STATE/kafka"
[ -s "$STATE/kafka/log4j.properties" ] || printf '%s\n' 'log4j.rootLogger=WARN, stderr' \
  'log4j.appender.stderr=org.apache.log4j.ConsoleAppender' 'log4j.appender.stderr.Target=System.err' \
  'log4j.appender.stderr.layout=org.apache.log4j.PatternLayout' >"$STATE/kafka/log4j.properties"
# The client config holds the password: a 0600 file removed on exit, never echoed.
umask 077
KAFKA_COMMAND_CONFIG=$(mktemp)
trap 'rm -f "$KAFKA_COMMAND_CONFIG"' EXIT
python3 - "$KAFKA_COMMAND_CONFIG" <<'PY'
import os, sys
def quote(v: str) -> str:  # a JAAS quoted string
    return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
jaas = ("org.apache.kafka.common.security.scram.ScramLoginModule required "
        f"username={quote(os.environ['KAFKA_SASL_USERNAME'])} "
        f"password={quote(os.environ['KAFKA_SASL_PASSWORD'])};")
with open(sys.argv[1], "w") as f:
    f.write("security.protocol=SASL_SSL\nsasl.mechanism=SCRAM-SHA-256\n")
    # A properties file reads backslashes as escapes: double them once more.
    f.write("sasl.jaas.config=" + jaas.replace("\\", "\\\\") + "\n")
    if os.environ.get("KAFKA_SSL_CA_PEM"):
        f.write(f"ssl.truststore.type=PEM\nssl.truststore.location={os.environ['KAFKA_SSL_CA_PEM']}\n")
PY
export KAFKA_COMMAND_CONFIG TOPIC_RETENTION_MS="${TOPIC_RETENTION_MS:-2592000000}" TOPIC_REPLICATION=""
ensure_topics
log "topics present on $KAFKA_BOOTSTRAP: ${TOPICS[*]}"
