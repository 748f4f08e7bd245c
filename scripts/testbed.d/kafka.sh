# shellcheck shell=bash
# Testbed component 'kafka': a Kafka broker image for the test Kubernetes cluster (kind), from Maven
# Central jars (no Kafka distribution is downloaded here). Sourced by scripts/testbed; sources in
# scripts/testbed.d/kafka/.
#
#   image     flinkship-testbed/kafka:3.4.0 (the version of the fixture's kafka-clients): Debian
#             bookworm + openjdk-17-jre-headless (the Flink images' JRE layer) + /opt/kafka/libs from
#             kafka/pom.xml, uid 1001, one KRaft node that is broker and controller
#             (kafka/bin/kafka-start.sh: listener PLAINTEXT://:9092 advertised as
#             $KAFKA_ADVERTISED_HOST or the container's address, auto-created topics, replication 1
#             everywhere so transactions work on one broker, -Xmx384m). bin/kafka-class runs Kafka's
#             tools (console producer/consumer, TransactionalMessageCopier);
#             bin/kafka-console-consumer.sh is the consumer at the path Strimzi's image has it, for
#             the smoke test's consumer pod (kafka.image names this image). Built only when its
#             label dev.flinkship.testbed.inputs differs from the hash of the sources. Needs the
#             docker component.
#   manifest  kafka/kafka.yaml: Deployment kafka (imagePullPolicy Never, readiness tcp 9092) and
#             Service my-cluster-kafka-bootstrap:9092, without a namespace (kubectl apply -n <ns>).
# Nothing runs on the host: kafka_down has nothing to stop and the image stays as cache.
KAFKA_TB_VERSION=3.4.0
KAFKA_TB_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/kafka
KAFKA_TB_DIR=$TB_HOME/kafka/$KAFKA_TB_VERSION
KAFKA_TB_IMAGE=flinkship-testbed/kafka:$KAFKA_TB_VERSION
KAFKA_TB_DEBIAN_IMAGE=flinkship-testbed/debian:bookworm
KAFKA_TB_MANIFEST=$KAFKA_TB_SRC/kafka.yaml

# One hash over the names and contents of the sources the image is made from.
_kafka_hash() {
  (cd "$KAFKA_TB_SRC" && find pom.xml Dockerfile bin config -type f | LC_ALL=C sort | xargs sha256sum | sha256sum | cut -c1-16)
}

_kafka_image_key() {
  docker image inspect -f '{{ index .Config.Labels "dev.flinkship.testbed.inputs" }}' "$KAFKA_TB_IMAGE" 2>/dev/null || true
}

_kafka_image() {
  local key ctx log=$TB_RUN/kafka-image.log start
  key=$(_kafka_hash)
  [ "$(_kafka_image_key)" = "$key" ] && return 0
  docker image inspect "$KAFKA_TB_DEBIAN_IMAGE" >/dev/null 2>&1 ||
    tb_fail kafka "the docker component has no base image $KAFKA_TB_DEBIAN_IMAGE"
  command -v mvn >/dev/null || tb_apt_install maven
  tb_log "kafka: building $KAFKA_TB_IMAGE"
  start=$SECONDS
  ctx=$KAFKA_TB_DIR/image-context
  rm -rf "$ctx"
  mkdir -p "$ctx/libs" || tb_fail kafka "cannot create $ctx"
  mvn -B -q -Dstyle.color=never -f "$KAFKA_TB_SRC/pom.xml" package -Dkafka.libs.dir="$ctx/libs" \
    -Dbuild.dir="$KAFKA_TB_DIR/.maven" >"$log" 2>&1 || tb_fail kafka "mvn could not resolve the Kafka jars" "$log"
  cp -a "$KAFKA_TB_SRC/Dockerfile" "$KAFKA_TB_SRC/bin" "$KAFKA_TB_SRC/config" "$ctx/" ||
    tb_fail kafka "cannot assemble the image build context in $ctx"
  # Host networking for the build: apt-get inside reaches Debian's mirror without a bridge.
  docker build --network host --build-arg "BASE_IMAGE=$KAFKA_TB_DEBIAN_IMAGE" \
    --label "dev.flinkship.testbed.inputs=$key" -t "$KAFKA_TB_IMAGE" "$ctx" >>"$log" 2>&1 ||
    tb_fail kafka "docker build of $KAFKA_TB_IMAGE failed" "$log"
  rm -rf "$ctx"
  tb_log "kafka: built $KAFKA_TB_IMAGE in $((SECONDS - start)) s"
}

kafka_up() {
  mkdir -p "$KAFKA_TB_DIR" "$TB_RUN" || tb_fail kafka "cannot create $KAFKA_TB_DIR"
  if ! docker_status >/dev/null 2>&1; then
    tb_fail kafka "the docker component is not up, so $KAFKA_TB_IMAGE cannot be built (scripts/testbed up docker kafka)" /dev/null
  fi
  eval "$(docker_env)"
  _kafka_image
}

kafka_down() {
  # Nothing runs on the host; the image is cache.
  :
}

kafka_status() {
  if ! docker_status >/dev/null 2>&1; then
    echo "kafka: docker down, image unknown"
    return 1
  fi
  if [ "$(eval "$(docker_env)" && _kafka_image_key)" = "$(_kafka_hash)" ]; then
    echo "kafka: image $KAFKA_TB_IMAGE; manifest $KAFKA_TB_MANIFEST"
  else
    echo "kafka: image $KAFKA_TB_IMAGE missing or stale"
    return 1
  fi
}

kafka_env() {
  echo "export FLINKSHIP_TESTBED_KAFKA_IMAGE=$KAFKA_TB_IMAGE"
  echo "export FLINKSHIP_TESTBED_KAFKA_MANIFEST=$KAFKA_TB_MANIFEST"
}
