#!/usr/bin/env bash
# The Flinkship testbed's Kafka broker: one KRaft node that is both broker and controller, for a
# test cluster (the fixture job reads and writes through it, exactly-once). Written for the testbed.
#   KAFKA_ADVERTISED_HOST  the host clients are told to connect to (default: this container's
#                          address from `hostname -i`); a Kubernetes manifest sets the Service name.
#   KAFKA_CLUSTER_ID       the cluster id the storage is formatted with (a fixed default, so a
#                          restarted pod with the same data directory is the same cluster).
#   KAFKA_DATA_DIR         the log directory (default /var/lib/kafka/data), formatted on first start.
#   KAFKA_HEAP_OPTS        JVM heap options (default -Xmx384m -Xms128m).
#   KAFKA_CONFIG_OVERRIDES broker properties appended to the generated ones (key=value lines).
set -euo pipefail

KAFKA_HOME=${KAFKA_HOME:-/opt/kafka}
data=${KAFKA_DATA_DIR:-/var/lib/kafka/data}
# 16 bytes ("flinkship-tb-kaf") in URL-safe base64 without padding, as Kafka's cluster ids are.
cluster_id=${KAFKA_CLUSTER_ID:-ZmxpbmtzaGlwLXRiLWthZg}
host=${KAFKA_ADVERTISED_HOST:-}
if [ -z "$host" ]; then
  host=$(hostname -i | awk '{print $1}')
fi
[ -n "$host" ] || { echo "kafka-start.sh: no advertised host (set KAFKA_ADVERTISED_HOST)" >&2; exit 1; }

conf=${KAFKA_CONF_DIR:-$KAFKA_HOME/config}
mkdir -p "$conf" "$data"
cat >"$conf/server.properties" <<PROPS
# Written by kafka-start.sh at container start.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@localhost:9093
listeners=PLAINTEXT://:9092,CONTROLLER://localhost:9093
advertised.listeners=PLAINTEXT://$host:9092
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
log.dirs=$data
num.partitions=1
auto.create.topics.enable=true
# One broker: every internal topic has one replica, and transactions (exactly-once sinks) need the
# transaction state log to accept writes with that one replica in sync.
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
default.replication.factor=1
min.insync.replicas=1
# Flink's KafkaSink asks for transaction timeouts up to an hour; the broker's default cap is 15 min.
transaction.max.timeout.ms=3600000
group.initial.rebalance.delay.ms=0
PROPS
# Broker settings given from outside (the Strimzi stand-in passes a Kafka's spec.kafka.config), one
# key=value per line; Kafka reads the file as Java properties, so a later key wins.
if [ -n "${KAFKA_CONFIG_OVERRIDES:-}" ]; then
  printf '# From KAFKA_CONFIG_OVERRIDES.\n%s\n' "$KAFKA_CONFIG_OVERRIDES" >>"$conf/server.properties"
fi

# kafka_java CLASS ARGS...: runs CLASS on the libs/ classpath; replaces this shell when KAFKA_EXEC=1.
kafka_java() {
  local run=()
  [ "${KAFKA_EXEC:-}" = 1 ] && run=(exec)
  # shellcheck disable=SC2086 # KAFKA_HEAP_OPTS is a word list.
  "${run[@]}" java ${KAFKA_HEAP_OPTS:--Xmx384m -Xms128m} -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -Djava.awt.headless=true \
    "-Dlog4j.configuration=file:$KAFKA_HOME/config/log4j.properties" -cp "$KAFKA_HOME/libs/*" "$@"
}

if [ ! -f "$data/meta.properties" ]; then
  echo "kafka-start.sh: formatting $data for cluster $cluster_id" >&2
  kafka_java kafka.tools.StorageTool format --ignore-formatted -t "$cluster_id" -c "$conf/server.properties"
fi
echo "kafka-start.sh: starting the broker, advertised as $host:9092" >&2
# exec: the JVM is the container's main process and shuts down cleanly on its SIGTERM handler.
KAFKA_EXEC=1 kafka_java kafka.Kafka "$conf/server.properties"
