#!/usr/bin/env bash
# Creates the topics (12 partitions, the DLQs) on a remote Kafka API such as Redpanda Cloud,
# with the same code dev-up.sh uses on the local broker. Idempotent: only missing topics
# are created. The connection comes from the environment, never from arguments (ps shows
# arguments):
#   KAFKA_BOOTSTRAP=host:port KAFKA_SASL_USERNAME=... KAFKA_SASL_PASSWORD=... kafka-topics.sh
# SASL/SCRAM-SHA-256 over TLS; 30-day retention (TOPIC_RETENTION_MS overrides).
source "$(dirname "$0")/lib/common.sh"
source "$P5_ROOT/scripts/lib/procs.sh"
source "$P5_ROOT/scripts/lib/stack.sh"
: "${KAFKA_BOOTSTRAP:?set KAFKA_BOOTSTRAP}" "${KAFKA_SASL_USERNAME:?set KAFKA_SASL_USERNAME}" "${KAFKA_SASL_PASSWORD:?set KAFKA_SASL_PASSWORD}"
bash "$P5_ROOT/scripts/install-kafka.sh"
mkdir -p "$STATE/kafka"
touch "$STATE/kafka/log4j.properties"
# The client config holds the password: a 0600 file removed on exit, never echoed.
umask 077
KAFKA_COMMAND_CONFIG=$(mktemp)
trap 'rm -f "$KAFKA_COMMAND_CONFIG"' EXIT
python3 - "$KAFKA_COMMAND_CONFIG" <<'PY'
import os, sys
def quote(v: str) -> str:
    return v.replace("\\", "\\\\").replace('"', '\\"')
with open(sys.argv[1], "w") as f:
    f.write("security.protocol=SASL_SSL\nsasl.mechanism=SCRAM-SHA-256\n")
    f.write('sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required '
            f'username="{quote(os.environ["KAFKA_SASL_USERNAME"])}" '
            f'password="{quote(os.environ["KAFKA_SASL_PASSWORD"])}";\n')
PY
export KAFKA_COMMAND_CONFIG TOPIC_RETENTION_MS="${TOPIC_RETENTION_MS:-2592000000}" TOPIC_REPLICATION=""
ensure_topics
log "topics present on $KAFKA_BOOTSTRAP: ${TOPICS[*]}"
