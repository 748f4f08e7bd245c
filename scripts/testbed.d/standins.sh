# shellcheck shell=bash
# Testbed component 'standins': the STAND-INS for what cannot run here, as one image for the kind cluster
# (sources in scripts/testbed.d/standins/): the Strimzi 1.2.0 cluster operator (no Strimzi image or jar is
# reachable) and Fluent Bit 4.1 (its binary cannot be built or pulled). Both are written for the testbed
# and named as stand-ins wherever they run; the broker and the log shipping they do are real (Kafka's own
# jars, the node's CRI log files).
#   images   flinkship-testbed/strimzi-operator-standin:1.2.0 (uid 1001, as Strimzi's) and
#            flinkship-testbed/fluent-bit-standin:4.1.1 (root, as Fluent Bit's), FROM the kafka component's image;
#            the Java sources compiled on the host (javac 17) against the Kafka image's own libs/.
#            Rebuilt only when the hash of the sources and of the Kafka image's id changes.
# Nothing runs on the host; tests load the image into the kind cluster (kind load skips what is there).
STANDINS_TB_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/standins
STANDINS_TB_DIR=$TB_HOME/standins
STANDINS_TB_STRIMZI=flinkship-testbed/strimzi-operator-standin:1.2.0
STANDINS_TB_FLUENT_BIT=flinkship-testbed/fluent-bit-standin:4.1.1

_standins_hash() {
  {
    (cd "$STANDINS_TB_SRC" && find . -type f | LC_ALL=C sort | xargs sha256sum)
    docker image inspect -f '{{.Id}}' "$KAFKA_TB_IMAGE"
  } | sha256sum | cut -c1-16
}

# The inputs both images were built from, or nothing when they differ or one is missing.
_standins_key() {
  local a b
  a=$(docker image inspect -f '{{ index .Config.Labels "dev.flinkship.testbed.inputs" }}' "$STANDINS_TB_STRIMZI" 2>/dev/null || true)
  b=$(docker image inspect -f '{{ index .Config.Labels "dev.flinkship.testbed.inputs" }}' "$STANDINS_TB_FLUENT_BIT" 2>/dev/null || true)
  [ "$a" = "$b" ] && echo "$a"
}

standins_up() {
  docker_status >/dev/null 2>&1 || tb_fail standins "the docker component is not up (scripts/testbed up docker kafka standins)" /dev/null
  eval "$(docker_env)"
  docker image inspect "$KAFKA_TB_IMAGE" >/dev/null 2>&1 ||
    tb_fail standins "no $KAFKA_TB_IMAGE: bring the kafka component up first" /dev/null
  local key ctx log=$TB_RUN/standins-image.log cid start=$SECONDS
  key=$(_standins_hash)
  [ "$(_standins_key)" = "$key" ] && return 0
  command -v javac >/dev/null || tb_apt_install openjdk-17-jdk-headless
  tb_log "standins: building the stand-in images (inputs $key, log: $log)"
  ctx=$STANDINS_TB_DIR/context
  rm -rf "$ctx" && mkdir -p "$ctx" || tb_fail standins "cannot create $ctx"
  cp -a "$STANDINS_TB_SRC/Dockerfile" "$STANDINS_TB_SRC/log4j.properties" "$STANDINS_TB_SRC/bin" "$ctx/" ||
    tb_fail standins "cannot assemble $ctx"
  # Compiled against the very jars the image runs with.
  cid=$(docker create "$KAFKA_TB_IMAGE") && docker cp "$cid:/opt/kafka/libs" "$ctx/libs" >"$log" 2>&1
  docker rm "$cid" >/dev/null 2>&1 || true
  [ -d "$ctx/libs" ] || tb_fail standins "cannot copy /opt/kafka/libs out of $KAFKA_TB_IMAGE" "$log"
  find "$STANDINS_TB_SRC/src" -name '*.java' -print0 | xargs -0 javac --release 17 -Xlint:-options -d "$ctx/classes" -cp "$ctx/libs/*" >>"$log" 2>&1 ||
    tb_fail standins "javac failed" "$log"
  rm -rf "$ctx/libs"
  local target tag
  for target in strimzi-operator fluent-bit; do
    tag=$STANDINS_TB_STRIMZI
    [ "$target" = fluent-bit ] && tag=$STANDINS_TB_FLUENT_BIT
    docker build --target "$target" --build-arg "KAFKA_IMAGE=$KAFKA_TB_IMAGE" --label "dev.flinkship.testbed.inputs=$key" \
      -t "$tag" "$ctx" >>"$log" 2>&1 || tb_fail standins "docker build of the $target stand-in failed" "$log"
  done
  rm -rf "$ctx"
  tb_log "standins: built in $((SECONDS - start)) s"
}

standins_down() {
  # Nothing runs on the host; the image is cache.
  :
}

standins_status() {
  if ! docker_status >/dev/null 2>&1; then
    echo "standins: docker down, image unknown"
    return 1
  fi
  if [ "$(eval "$(docker_env)" && _standins_key)" = "$(eval "$(docker_env)" && _standins_hash)" ]; then
    echo "standins: images $STANDINS_TB_STRIMZI, $STANDINS_TB_FLUENT_BIT"
  else
    echo "standins: image missing or stale"
    return 1
  fi
}

standins_env() {
  echo "export FLINKSHIP_TESTBED_STRIMZI_STANDIN_IMAGE=$STANDINS_TB_STRIMZI"
  echo "export FLINKSHIP_TESTBED_FLUENT_BIT_STANDIN_IMAGE=$STANDINS_TB_FLUENT_BIT"
}
