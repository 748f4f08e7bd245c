# shellcheck shell=bash
# Testbed component 'flink': Flink 1.20.3, and a Flink 2.2.0 client, from Maven Central jars (no Flink
# binary distribution can be downloaded here). Sourced by scripts/testbed; sources in
# scripts/testbed.d/flink/.
#
#   FLINK_HOME   $TB_HOME/flink/1.20.3/home: bin/flink (a launcher for the real CliFrontend) and the
#                native-mode scripts kubernetes-jobmanager.sh / kubernetes-taskmanager.sh, conf/,
#                lib/ (flink-clients, flink-kubernetes, flink-runtime, flink-streaming-java,
#                flink-connector-files/-base, flink-statebackend-rocksdb, log4j...),
#                opt/ (flink-metrics-prometheus, flink-s3-fs-hadoop), plugins/, usrlib/, log/.
#                Rebuilt only when pom.xml, bin/ or conf/ change (a hash of them is kept in the home).
#   FLINK2_HOME  $TB_HOME/flink/2.2.0/home: the same layout for Flink 2.2.0 (flink2/pom.xml; every
#                module, flink-kubernetes included, at 2.2.0), the same bin/flink launcher, the same
#                log4j files, and flink2/conf/config.yaml (2.x reads only config.yaml, nested YAML).
#                Rebuilt only when flink2/, bin/ or those log4j files change. No REST endpoint is
#                made from it.
#   images       flinkship-testbed/flink:1.20.3-java17 and flinkship-testbed/flink:2.2.0-java17:
#                Debian bookworm + openjdk-17-jre-headless + that line's FLINK_HOME as /opt/flink,
#                user flink 9999:9999, /docker-entrypoint.sh; they run Flink's native Kubernetes
#                application mode for real (see flink/Dockerfile). Each is built only when its label
#                dev.flinkship.testbed.inputs differs from the hash of its inputs. Needs the docker component.
#   kind/        pod-template.yaml (hostPath /var/lib/flinkship-state on the node at /opt/flink/state,
#                made flink's by a root init container) and rbac.yaml (ServiceAccount flink bound to
#                ClusterRole edit) for native-mode jobs in the kind cluster; only files, nothing runs.
#   REST         a MiniCluster (flink/minicluster, jar cached by a hash of its sources) on
#                127.0.0.1:18081 running one stateful job "flinkship-testbed-counter" (checkpoints every
#                2 s, state under $TB_RUN/flink/state, wiped at each start). After a job ends
#                (stop-with-savepoint, cancel, failure) the MiniCluster submits it again as a new job,
#                restored from the newest savepoint, at most 50 times; it keeps serving REST throughout.
#   proxy        with the kube component up: network namespace flinkship-tb (veth 10.250.0.1/30 on the
#                host, 10.250.0.2/30 inside), socat 10.250.0.1:18081 -> 127.0.0.1:18081 on the host and
#                socat 10.250.0.2:8081 -> 10.250.0.1:18081 inside, and in the staging cluster namespace
#                flinkship-testbed a selector-less Service minicluster-rest (port rest, 8081) with an
#                EndpointSlice and an Endpoints (v1.34's service proxy still reads Endpoints) for
#                10.250.0.2, whose targetRef is a never-scheduled Pod minicluster-rest-host carrying
#                that pod IP (the proxy only goes to pod IPs), so the REST API answers through the
#                staging API server's service proxy.
FLINK_TB_VERSION=1.20.3
FLINK_TB_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/flink
FLINK_TB_DIR=$TB_HOME/flink/$FLINK_TB_VERSION
FLINK_TB_HOME=$FLINK_TB_DIR/home
FLINK_TB_IMAGE=flinkship-testbed/flink:$FLINK_TB_VERSION-java17
FLINK_TB_DEBIAN_IMAGE=flinkship-testbed/debian:bookworm
# One testbed per machine: the ports and the network namespace are fixed (the REST port can be moved).
FLINK_TB_REST_PORT=${FLINKSHIP_TESTBED_FLINK_REST_PORT:-18081}
FLINK_TB_REST_URL=http://127.0.0.1:$FLINK_TB_REST_PORT
FLINK_TB_NETNS=flinkship-tb
FLINK_TB_VETH_HOST=fstb-host
FLINK_TB_VETH_NS=fstb-ns
FLINK_TB_HOST_IP=10.250.0.1
FLINK_TB_NS_IP=10.250.0.2
FLINK_TB_KUBE_NAMESPACE=flinkship-testbed
FLINK_TB_SERVICE=minicluster-rest
FLINK_TB_PROXY_PATH=/api/v1/namespaces/$FLINK_TB_KUBE_NAMESPACE/services/$FLINK_TB_SERVICE:rest/proxy
FLINK_TB_MVN=(mvn -B -q -Dstyle.color=never)
FLINK2_TB_VERSION=2.2.0
FLINK2_TB_DIR=$TB_HOME/flink/$FLINK2_TB_VERSION
FLINK2_TB_HOME=$FLINK2_TB_DIR/home
FLINK2_TB_IMAGE=flinkship-testbed/flink:$FLINK2_TB_VERSION-java17

# _flink_hash PATH...: one hash over the names (relative to the sources) and contents of all files.
_flink_hash() {
  (cd "$FLINK_TB_SRC" && find "$@" -type f -not -path '*/target/*' | LC_ALL=C sort | xargs sha256sum | sha256sum | cut -c1-16)
}

# The testbed FLINK_HOME, from Maven Central through the pom; the jars come from ~/.m2 when warm.
_flink_home() {
  local key tmp log=$TB_RUN/flink-build.log
  key=$(_flink_hash pom.xml bin conf)
  if [ "$(cat "$FLINK_TB_HOME/.testbed-inputs" 2>/dev/null)" = "$key" ] && [ -x "$FLINK_TB_HOME/bin/flink" ]; then
    return 0
  fi
  tb_log "flink: resolving FLINK_HOME $FLINK_TB_VERSION from Maven Central into $FLINK_TB_HOME"
  command -v mvn >/dev/null || tb_apt_install maven
  tmp=$FLINK_TB_DIR/home.tmp.$$
  rm -rf "$tmp"
  mkdir -p "$tmp"/{bin,conf,lib,opt,plugins,usrlib,log} || tb_fail flink "cannot create $tmp"
  "${FLINK_TB_MVN[@]}" -f "$FLINK_TB_SRC/pom.xml" package -Dflink.home.dir="$tmp" \
    -Dbuild.dir="$FLINK_TB_DIR/.maven-home" >"$log" 2>&1 || { rm -rf "$tmp"; tb_fail flink "mvn could not resolve the Flink jars" "$log"; }
  { cp "$FLINK_TB_SRC"/bin/* "$tmp/bin/" && chmod 755 "$tmp"/bin/* && cp "$FLINK_TB_SRC"/conf/* "$tmp/conf/"; } ||
    tb_fail flink "cannot copy bin/ and conf/ into $tmp"
  printf 'Plugins go in their own directories here, e.g. plugins/metrics-prometheus/flink-metrics-prometheus-%s.jar,\ncopied from opt/.\n' \
    "$FLINK_TB_VERSION" >"$tmp/plugins/README.txt"
  echo "$key" >"$tmp/.testbed-inputs"
  rm -rf "$FLINK_TB_HOME"
  mv "$tmp" "$FLINK_TB_HOME" || tb_fail flink "cannot move $tmp to $FLINK_TB_HOME"
  [ "$("$FLINK_TB_HOME/bin/flink" --version 2>/dev/null | grep -o 'Version: [^,]*')" = "Version: $FLINK_TB_VERSION" ] ||
    tb_fail flink "the new FLINK_HOME does not report Version: $FLINK_TB_VERSION" "$FLINK_TB_HOME/log"
}

# The Flink 2.2.0 FLINK_HOME: same recipe as _flink_home, from flink2/pom.xml and flink2/conf, with
# the shared launcher and log4j files.
_flink2_home() {
  local key tmp log=$TB_RUN/flink2-build.log
  key=$(_flink_hash flink2 bin conf/log4j-cli.properties conf/log4j-console.properties)
  if [ "$(cat "$FLINK2_TB_HOME/.testbed-inputs" 2>/dev/null)" = "$key" ] && [ -x "$FLINK2_TB_HOME/bin/flink" ]; then
    return 0
  fi
  tb_log "flink: resolving FLINK_HOME $FLINK2_TB_VERSION from Maven Central into $FLINK2_TB_HOME"
  command -v mvn >/dev/null || tb_apt_install maven
  mkdir -p "$FLINK2_TB_DIR" || tb_fail flink "cannot create $FLINK2_TB_DIR"
  tmp=$FLINK2_TB_DIR/home.tmp.$$
  rm -rf "$tmp"
  mkdir -p "$tmp"/{bin,conf,lib,opt,plugins,usrlib,log} || tb_fail flink "cannot create $tmp"
  "${FLINK_TB_MVN[@]}" -f "$FLINK_TB_SRC/flink2/pom.xml" package -Dflink.home.dir="$tmp" \
    -Dbuild.dir="$FLINK2_TB_DIR/.maven-home" >"$log" 2>&1 || { rm -rf "$tmp"; tb_fail flink "mvn could not resolve the Flink $FLINK2_TB_VERSION jars" "$log"; }
  { cp "$FLINK_TB_SRC"/bin/* "$tmp/bin/" && chmod 755 "$tmp"/bin/* &&
    cp "$FLINK_TB_SRC"/conf/log4j-cli.properties "$FLINK_TB_SRC"/conf/log4j-console.properties "$tmp/conf/" &&
    cp "$FLINK_TB_SRC"/flink2/conf/* "$tmp/conf/"; } ||
    tb_fail flink "cannot copy bin/ and conf/ into $tmp"
  echo "$key" >"$tmp/.testbed-inputs"
  rm -rf "$FLINK2_TB_HOME"
  mv "$tmp" "$FLINK2_TB_HOME" || tb_fail flink "cannot move $tmp to $FLINK2_TB_HOME"
  [ "$("$FLINK2_TB_HOME/bin/flink" --version 2>/dev/null | grep -o 'Version: [^,]*')" = "Version: $FLINK2_TB_VERSION" ] ||
    tb_fail flink "the new FLINK_HOME does not report Version: $FLINK2_TB_VERSION" "$FLINK2_TB_HOME/log"
}

# The MiniCluster program, compiled once per hash of its sources, into $FLINK_TB_MC.
_flink_minicluster_build() {
  local key dir tmp log=$TB_RUN/flink-build.log
  key=$(_flink_hash minicluster)
  dir=$FLINK_TB_DIR/minicluster/$key
  FLINK_TB_MC=$dir
  if [ -f "$dir/testbed-minicluster.jar" ]; then return 0; fi
  tb_log "flink: compiling the MiniCluster program ($key)"
  tmp=$dir.tmp.$$
  rm -rf "$tmp"
  "${FLINK_TB_MVN[@]}" -f "$FLINK_TB_SRC/minicluster/pom.xml" package -Dmc.build.dir="$tmp" >"$log" 2>&1 ||
    { rm -rf "$tmp"; tb_fail flink "mvn could not build the MiniCluster program" "$log"; }
  # Keep only the newest build.
  find "$FLINK_TB_DIR/minicluster" -mindepth 1 -maxdepth 1 -not -name "$key.tmp.$$" -exec rm -rf {} +
  cp "$FLINK_TB_SRC/minicluster/log4j2.properties" "$tmp/" || tb_fail flink "cannot copy the MiniCluster's log4j2.properties"
  mv "$tmp" "$dir" || tb_fail flink "cannot move $tmp to $dir"
}

_flink_rest_running() {
  curl -sf --max-time 5 "$FLINK_TB_REST_URL/jobs/overview" | grep -q '"state":"RUNNING"'
}

_flink_rest_up() {
  local mc
  if tb_running flink-minicluster && _flink_rest_running; then return 0; fi
  _flink_minicluster_build
  mc=$FLINK_TB_MC
  tb_stop flink-minicluster
  if curl -s --max-time 2 -o /dev/null "$FLINK_TB_REST_URL/overview"; then
    tb_fail flink "port $FLINK_TB_REST_PORT on 127.0.0.1 is taken by a process this testbed did not start"
  fi
  rm -rf "$TB_RUN/flink/state"
  mkdir -p "$TB_RUN/flink/state" || tb_fail flink "cannot create $TB_RUN/flink/state"
  : >"$TB_RUN/flink.log"
  local java=java
  [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ] && java=$JAVA_HOME/bin/java
  tb_start flink-minicluster "$TB_RUN/flink.log" "$java" -Xmx512m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 \
    --add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.util=ALL-UNNAMED \
    --add-opens=java.base/java.nio=ALL-UNNAMED --add-opens=java.base/sun.nio.ch=ALL-UNNAMED \
    "-Dlog4j.configurationFile=file:$mc/log4j2.properties" \
    -cp "$FLINK_TB_HOME/lib/*:$mc/lib/*:$mc/testbed-minicluster.jar" dev.flinkship.testbed.TestbedMiniCluster \
    --rest-address 127.0.0.1 --rest-port "$FLINK_TB_REST_PORT" --state-dir "$TB_RUN/flink/state" --max-submissions 50
  tb_wait_until "the MiniCluster's job to be RUNNING at $FLINK_TB_REST_URL/jobs/overview" 120 _flink_rest_running ||
    tb_fail flink "the MiniCluster's job is not RUNNING after 120 s" "$TB_RUN/flink.log"
}

# _flink_image VERSION HOME IMAGE KEY: the Flink image of one line, built from HOME when its
# inputs label differs from KEY (needs the docker component).
_flink_image() {
  local version=$1 home=$2 image=$3 key=$4 have ctx log=$TB_RUN/flink-image-$1.log start
  have=$(docker image inspect -f '{{ index .Config.Labels "dev.flinkship.testbed.inputs" }}' "$image" 2>/dev/null || true)
  [ "$have" = "$key" ] && return 0
  docker image inspect "$FLINK_TB_DEBIAN_IMAGE" >/dev/null 2>&1 ||
    tb_fail flink "the docker component has no base image $FLINK_TB_DEBIAN_IMAGE"
  tb_log "flink: building $image"
  start=$SECONDS
  ctx=$(dirname "$home")/image-context
  rm -rf "$ctx"
  { mkdir -p "$ctx/flink/log" && cp "$FLINK_TB_SRC/Dockerfile" "$FLINK_TB_SRC/docker-entrypoint.sh" "$ctx/" &&
    (cd "$home" && cp -a bin conf lib opt plugins usrlib "$ctx/flink/"); } ||
    tb_fail flink "cannot assemble the image build context in $ctx"
  # Host networking for the build: apt-get inside reaches Debian's mirror without a bridge.
  docker build --network host --build-arg "BASE_IMAGE=$FLINK_TB_DEBIAN_IMAGE" --build-arg "FLINK_VERSION=$version" \
    --label "dev.flinkship.testbed.inputs=$key" -t "$image" "$ctx" >"$log" 2>&1 ||
    tb_fail flink "docker build of $image failed" "$log"
  rm -rf "$ctx"
  [ "$(docker run --rm "$image" flink --version 2>/dev/null | grep -o 'Version: [^,]*')" = "Version: $version" ] ||
    tb_fail flink "flink --version in $image (run as flink by the entrypoint) does not report Version: $version"
  tb_log "flink: built $image in $((SECONDS - start)) s"
}

_flink_images() {
  _flink_image "$FLINK_TB_VERSION" "$FLINK_TB_HOME" "$FLINK_TB_IMAGE" \
    "$(_flink_hash pom.xml bin conf Dockerfile docker-entrypoint.sh)"
  _flink_image "$FLINK2_TB_VERSION" "$FLINK2_TB_HOME" "$FLINK2_TB_IMAGE" \
    "$(_flink_hash flink2 bin conf/log4j-cli.properties conf/log4j-console.properties Dockerfile docker-entrypoint.sh)"
}

_flink_kubectl() {
  "$FLINKSHIP_TESTBED_KUBECTL" --kubeconfig "$FLINKSHIP_TESTBED_STAGING_KUBECONFIG" --request-timeout=20s "$@"
}

_flink_netns_up() {
  tb_apt_install socat iproute2 || tb_fail flink "cannot install socat and iproute2"
  if ! ip netns list | grep -qw "$FLINK_TB_NETNS"; then
    ip netns add "$FLINK_TB_NETNS" >>"$TB_RUN/flink-forward.log" 2>&1 ||
      tb_fail flink "ip netns add $FLINK_TB_NETNS failed" "$TB_RUN/flink-forward.log"
  fi
  if ! ip link show "$FLINK_TB_VETH_HOST" >/dev/null 2>&1; then
    {
      ip link add "$FLINK_TB_VETH_HOST" type veth peer name "$FLINK_TB_VETH_NS" &&
        ip link set "$FLINK_TB_VETH_NS" netns "$FLINK_TB_NETNS" &&
        ip addr add "$FLINK_TB_HOST_IP/30" dev "$FLINK_TB_VETH_HOST" &&
        ip link set "$FLINK_TB_VETH_HOST" up &&
        ip netns exec "$FLINK_TB_NETNS" ip addr add "$FLINK_TB_NS_IP/30" dev "$FLINK_TB_VETH_NS" &&
        ip netns exec "$FLINK_TB_NETNS" ip link set "$FLINK_TB_VETH_NS" up &&
        ip netns exec "$FLINK_TB_NETNS" ip link set lo up
    } >>"$TB_RUN/flink-forward.log" 2>&1 ||
      tb_fail flink "cannot set up the veth pair $FLINK_TB_VETH_HOST/$FLINK_TB_VETH_NS" "$TB_RUN/flink-forward.log"
  fi
  if ! tb_running flink-fwd-host; then
    tb_start flink-fwd-host "$TB_RUN/flink-forward.log" socat \
      "TCP-LISTEN:$FLINK_TB_REST_PORT,bind=$FLINK_TB_HOST_IP,fork,reuseaddr" "TCP:127.0.0.1:$FLINK_TB_REST_PORT"
  fi
  if ! tb_running flink-fwd-ns; then
    # `ip netns exec` execs socat, so the recorded pid is socat's.
    tb_start flink-fwd-ns "$TB_RUN/flink-forward.log" ip netns exec "$FLINK_TB_NETNS" socat \
      "TCP-LISTEN:8081,bind=$FLINK_TB_NS_IP,fork,reuseaddr" "TCP:$FLINK_TB_HOST_IP:$FLINK_TB_REST_PORT"
  fi
  tb_wait_until "the REST API at http://$FLINK_TB_NS_IP:8081 (in netns $FLINK_TB_NETNS)" 20 \
    curl -sf --max-time 3 "http://$FLINK_TB_NS_IP:8081/overview" ||
    tb_fail flink "the REST API is not reachable at $FLINK_TB_NS_IP:8081 through the forwarders" "$TB_RUN/flink-forward.log"
}

_flink_proxy_objects() {
  local log=$TB_RUN/flink-kube.log pod=$FLINK_TB_SERVICE-host
  _flink_kubectl apply --server-side --field-manager flinkship-testbed -f - >"$log" 2>&1 <<EOF || tb_fail flink "could not create the namespace $FLINK_TB_KUBE_NAMESPACE in the staging cluster" "$log"
apiVersion: v1
kind: Namespace
metadata:
  name: $FLINK_TB_KUBE_NAMESPACE
EOF
  # The Pod's admission needs the namespace's default ServiceAccount, which the controller-manager makes.
  tb_wait_until "ServiceAccount $FLINK_TB_KUBE_NAMESPACE/default" 30 _flink_kubectl -n "$FLINK_TB_KUBE_NAMESPACE" get serviceaccount default ||
    tb_fail flink "no default ServiceAccount in $FLINK_TB_KUBE_NAMESPACE after 30 s (is the staging kube-controller-manager running?)" /dev/null
  # kube-apiserver v1.34 proxies services/proxy only to Endpoints addresses whose targetRef is a Pod
  # whose status.podIPs holds that address ("We only proxy to addresses that are actually pods").
  # So the netns test host is represented by a Pod that is never scheduled (a scheduling gate keeps
  # it Pending, nothing runs it) and whose status carries the netns address.
  _flink_kubectl apply --server-side --field-manager flinkship-testbed -f - >>"$log" 2>&1 <<EOF || tb_fail flink "could not create the minicluster-rest Service in the staging cluster" "$log"
apiVersion: v1
kind: Pod
metadata:
  name: $pod
  namespace: $FLINK_TB_KUBE_NAMESPACE
  labels: { app.kubernetes.io/part-of: flinkship-testbed, app.kubernetes.io/name: $FLINK_TB_SERVICE }
  annotations:
    flinkship.dev/testbed: "stands for the network namespace $FLINK_TB_NETNS ($FLINK_TB_NS_IP) on the testbed host, where the MiniCluster's REST API is forwarded; never scheduled"
spec:
  schedulingGates: [{ name: flinkship.dev/testbed-never-scheduled }]
  automountServiceAccountToken: false
  containers:
    - name: rest
      image: flinkship-testbed/busybox:latest
      ports: [{ name: rest, containerPort: 8081, protocol: TCP }]
---
apiVersion: v1
kind: Service
metadata:
  name: $FLINK_TB_SERVICE
  namespace: $FLINK_TB_KUBE_NAMESPACE
  labels: { app.kubernetes.io/part-of: flinkship-testbed }
spec:
  type: ClusterIP
  ports:
    - { name: rest, port: 8081, targetPort: 8081, protocol: TCP }
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: $FLINK_TB_SERVICE-testbed
  namespace: $FLINK_TB_KUBE_NAMESPACE
  labels:
    kubernetes.io/service-name: $FLINK_TB_SERVICE
    endpointslice.kubernetes.io/managed-by: flinkship-testbed
    app.kubernetes.io/part-of: flinkship-testbed
addressType: IPv4
ports:
  - { name: rest, port: 8081, protocol: TCP }
endpoints:
  - addresses: ["$FLINK_TB_NS_IP"]
    conditions: { ready: true }
    targetRef: { kind: Pod, namespace: $FLINK_TB_KUBE_NAMESPACE, name: $pod }
EOF
  _flink_kubectl -n "$FLINK_TB_KUBE_NAMESPACE" patch pod "$pod" --subresource=status --type=merge \
    -p "{\"status\":{\"podIP\":\"$FLINK_TB_NS_IP\",\"podIPs\":[{\"ip\":\"$FLINK_TB_NS_IP\"}]}}" >>"$log" 2>&1 ||
    tb_fail flink "could not set the pod IP of $FLINK_TB_KUBE_NAMESPACE/$pod" "$log"
  # v1.34 resolves services/proxy through v1 Endpoints (EndpointSlices from 1.35 on). skip-mirror
  # keeps the EndpointSlice mirroring controller from making a second slice out of it.
  _flink_kubectl apply --server-side --field-manager flinkship-testbed -f - >>"$log" 2>&1 <<EOF || tb_fail flink "could not create the minicluster-rest Endpoints in the staging cluster" "$log"
apiVersion: v1
kind: Endpoints
metadata:
  name: $FLINK_TB_SERVICE
  namespace: $FLINK_TB_KUBE_NAMESPACE
  labels:
    endpointslice.kubernetes.io/skip-mirror: "true"
    app.kubernetes.io/part-of: flinkship-testbed
subsets:
  - addresses: [{ ip: "$FLINK_TB_NS_IP", targetRef: { kind: Pod, namespace: $FLINK_TB_KUBE_NAMESPACE, name: $pod } }]
    ports: [{ name: rest, port: 8081, protocol: TCP }]
EOF
  tb_wait_until "$FLINK_TB_PROXY_PATH/overview through the staging API server" 30 \
    _flink_kubectl get --raw "$FLINK_TB_PROXY_PATH/overview" ||
    tb_fail flink "the staging API server does not proxy to the MiniCluster: $(_flink_kubectl get --raw "$FLINK_TB_PROXY_PATH/overview" 2>&1 | tail -n 3)" /dev/null
}

_flink_netns_down() {
  tb_stop flink-fwd-ns
  tb_stop flink-fwd-host
  if ip link show "$FLINK_TB_VETH_HOST" >/dev/null 2>&1; then ip link del "$FLINK_TB_VETH_HOST" || true; fi
  if ip netns list 2>/dev/null | grep -qw "$FLINK_TB_NETNS"; then ip netns del "$FLINK_TB_NETNS" || true; fi
}

flink_up() {
  mkdir -p "$FLINK_TB_DIR" "$TB_RUN" || tb_fail flink "cannot create $FLINK_TB_DIR"
  # Note: the dispatcher calls flink_up in an `||` list, where set -e does not apply: every step
  # that can fail says so itself (tb_fail exits).
  command -v java >/dev/null || tb_fail flink "Java 17 is needed (java not on PATH)"
  command -v curl >/dev/null || tb_apt_install curl
  _flink_home
  _flink2_home
  _flink_rest_up

  if ! docker_status >/dev/null 2>&1; then
    tb_fail flink "the docker component is not up, so $FLINK_TB_IMAGE and $FLINK2_TB_IMAGE cannot be built (scripts/testbed up docker flink)" /dev/null
  fi
  eval "$(docker_env)"
  _flink_images

  if ! kube_status >/dev/null 2>&1; then
    tb_fail flink "the kube component is not up, so the REST API cannot be exposed through the staging API server's service proxy (scripts/testbed up kube flink)" /dev/null
  fi
  eval "$(kube_env)"
  _flink_netns_up
  _flink_proxy_objects
}

flink_down() {
  _flink_netns_down
  tb_stop flink-minicluster
  # The kube objects are left to the kube component's teardown: they point at nothing once the
  # namespace and forwarders are gone, and `up` re-applies them.
}

flink_status() {
  local parts=() rc=0
  if [ -x "$FLINK_TB_HOME/bin/flink" ]; then parts+=("home $FLINK_TB_HOME"); else parts+=("no FLINK_HOME"); rc=1; fi
  if [ -x "$FLINK2_TB_HOME/bin/flink" ]; then parts+=("2.x home $FLINK2_TB_HOME"); else parts+=("no Flink 2.x FLINK_HOME"); rc=1; fi
  if tb_running flink-minicluster && _flink_rest_running; then parts+=("REST $FLINK_TB_REST_URL (job RUNNING)"); else parts+=("REST down"); rc=1; fi
  if tb_running flink-fwd-host && tb_running flink-fwd-ns && kube_status >/dev/null 2>&1 &&
    (eval "$(kube_env)" && _flink_kubectl get --raw "$FLINK_TB_PROXY_PATH/overview" >/dev/null 2>&1); then
    parts+=("staging proxy $FLINK_TB_PROXY_PATH")
  else
    parts+=("no staging service proxy")
    rc=1
  fi
  local IFS=';'
  echo "flink: ${parts[*]}" | sed 's/;/; /g'
  return $rc
}

flink_env() {
  echo "export FLINKSHIP_TESTBED_FLINK_HOME=$FLINK_TB_HOME"
  echo "export FLINKSHIP_TESTBED_FLINK2_HOME=$FLINK2_TB_HOME"
  echo "export FLINKSHIP_TESTBED_FLINK_BASE_IMAGE=$FLINK_TB_IMAGE"
  echo "export FLINKSHIP_TESTBED_FLINK2_BASE_IMAGE=$FLINK2_TB_IMAGE"
  # For native-mode jobs in the kind cluster: the pod template that mounts durable state, and the
  # ServiceAccount + RoleBinding the JobManager runs as (flink/kind/).
  echo "export FLINKSHIP_TESTBED_FLINK_POD_TEMPLATE=$FLINK_TB_SRC/kind/pod-template.yaml"
  echo "export FLINKSHIP_TESTBED_FLINK_RBAC=$FLINK_TB_SRC/kind/rbac.yaml"
  echo "export FLINKSHIP_TESTBED_FLINK_REST_URL=$FLINK_TB_REST_URL"
  echo "export FLINKSHIP_TESTBED_FLINK_PROXY_PATH=$FLINK_TB_PROXY_PATH"
}
