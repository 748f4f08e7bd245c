# shellcheck shell=bash
# Testbed component 'kind': a real kind cluster (real kubelet, containerd, runc, pods that run), assembled
# without any registry. `kind build node-image` pulls etcd, CoreDNS, pause and kindnetd, and nothing can
# be pulled here, so the node image is put together from parts built on this machine:
#   binaries     kind-build.sh: kind, kubeadm/kubelet/kube-proxy (the kube component's Kubernetes version),
#                containerd, runc, CNI plugins, crictl, CoreDNS, pause; etcd and the control plane
#                binaries are the kube component's own builds.
#   base image   flinkship-testbed/kind-base:<key>  kind/base.Dockerfile on the docker component's Debian
#                bookworm rootfs with kind's own base files from the kind module.
#   components   FROM-scratch images under exactly the names `kubeadm config images list` prints
#                (registry.k8s.io/kube-apiserver:v1.34.4, ...), plus kind's registry.k8s.io/pause:3.10.
#   node image   flinkship-testbed/kind-node:<k8s version>-<key>: the base image with kubeadm, kubelet and
#                kubectl, /kind/version, and the component images imported into the node's containerd
#                (pinned, as `kind build node-image` does), committed.
# Each image carries the hash of its inputs in the label dev.flinkship.testbed.inputs and is rebuilt
# only when that changes. The cluster ($KIND_TB_CLUSTER, one control-plane node, bridge CNI baked into
# the node, its own docker network) is created with the real `kind` CLI through kind/docker-wrapper,
# which stands in for --privileged on this VM (see the wrapper). A node container that is gone, stopped
# or no longer answers (a machine whose containers were killed) is deleted and the cluster re-created.
#   FLINKSHIP_TESTBED_KIND             the kind binary (use it with FLINKSHIP_TESTBED_KIND_PATH first on PATH)
#   FLINKSHIP_TESTBED_KIND_PATH        a directory holding the docker wrapper, for PATH
#   FLINKSHIP_TESTBED_KIND_CLUSTER     the cluster name
#   FLINKSHIP_TESTBED_KIND_KUBECONFIG  admin kubeconfig (https://127.0.0.1:<port>)
# shellcheck source=kind-build.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/kind-build.sh"

KIND_TB_CLUSTER=flinkship-testbed
KIND_TB_NETWORK=flinkship-kind
KIND_TB_RUN=$TB_RUN/kind
KIND_TB_WRAPPER_DIR=$TB_HOME/kind/path
KIND_TB_DEBIAN_IMAGE=flinkship-testbed/debian:bookworm
# The pause image kind's containerd config names as the sandbox image.
KIND_TB_SANDBOX_PAUSE=registry.k8s.io/pause:3.10

_kind_bin() { echo "$(_kind_tool_dir kind "$KIND_TB_KIND_VERSION")/kind"; }

# kind, with the docker wrapper first on PATH and the testbed's docker engine.
_kind() {
  PATH="$KIND_TB_WRAPPER_DIR:$PATH" KIND_EXPERIMENTAL_DOCKER_NETWORK=$KIND_TB_NETWORK "$(_kind_bin)" "$@"
}

_kind_kubectl() { "$KUBE_BIN/kubectl" --kubeconfig "$KIND_TB_RUN/kubeconfig" --request-timeout=10s "$@"; }

_kind_label() { docker image inspect -f '{{ index .Config.Labels "dev.flinkship.testbed.inputs" }}' "$1" 2>/dev/null || true; }

_kind_wrapper() {
  mkdir -p "$KIND_TB_WRAPPER_DIR"
  local real
  real=$(PATH=${PATH//$KIND_TB_WRAPPER_DIR:/} command -v docker) || tb_fail kind "no docker client on PATH"
  printf '#!/bin/sh\nFLINKSHIP_TESTBED_REAL_DOCKER=%s exec %s "$@"\n' "$real" "$KIND_TB_SRC/docker-wrapper" \
    >"$KIND_TB_WRAPPER_DIR/docker.tmp"
  chmod 755 "$KIND_TB_WRAPPER_DIR/docker.tmp"
  mv "$KIND_TB_WRAPPER_DIR/docker.tmp" "$KIND_TB_WRAPPER_DIR/docker"
}

_kind_module_dir() { (cd "$KIND_TB_SRC/build" && GOFLAGS=-mod=mod go mod download -json "sigs.k8s.io/kind@$KIND_TB_KIND_VERSION" | jq -r .Dir); }

_kind_base_image() {
  local kind_dir key ctx log=$KIND_TB_RUN/base-image.log t
  kind_dir=$(_kind_module_dir)/images/base/files
  [ -d "$kind_dir" ] || tb_fail kind "the kind module has no images/base/files ($kind_dir)"
  key=$({ (cd "$KIND_TB_SRC" && cat base.Dockerfile files/*); echo "$KIND_TB_KIND_VERSION $KIND_TB_CONTAINERD_VERSION $KIND_TB_RUNC_VERSION $KIND_TB_CNI_VERSION $KIND_TB_CRICTL_VERSION"; } | sha256sum | cut -c1-12)
  KIND_TB_BASE_IMAGE=flinkship-testbed/kind-base:$key
  [ "$(_kind_label "$KIND_TB_BASE_IMAGE")" = "$key" ] && return 0
  tb_log "kind: building the base image $KIND_TB_BASE_IMAGE (log: $log)"
  ctx=$TB_HOME/kind/base-context
  rm -rf "$ctx"
  mkdir -p "$ctx/bin" "$ctx/cni"
  cp -r "$kind_dir" "$ctx/kind-files" && chmod -R u+w "$ctx/kind-files" && cp -r "$KIND_TB_SRC/files" "$ctx/files" &&
    cp "$KIND_TB_SRC/base.Dockerfile" "$ctx/Dockerfile" || tb_fail kind "cannot assemble $ctx"
  # The classic builder has no COPY --chmod: the modes are set in the context.
  chmod -R a+rX,u+w "$ctx" && chmod 755 "$ctx"/kind-files/usr/local/bin/* "$ctx"/kind-files/kind/bin/* \
    "$ctx/files/flinkship-node-entrypoint" || tb_fail kind "cannot set the modes in $ctx"
  t=$(_kind_tool_dir containerd "$(_kind_containerd_version)")
  cp "$t/containerd" "$t/ctr" "$t/containerd-shim-runc-v2" "$ctx/bin/" &&
    cp "$(_kind_tool_dir runc "$KIND_TB_RUNC_VERSION")/runc" "$ctx/bin/" &&
    cp "$(_kind_tool_dir crictl "$KIND_TB_CRICTL_VERSION")/crictl" "$ctx/bin/" &&
    cp "$(_kind_tool_dir cni "$KIND_TB_CNI_VERSION")"/{bridge,host-local,loopback,portmap,ptp} "$ctx/cni/" ||
    tb_fail kind "cannot copy the node binaries into $ctx"
  chmod 755 "$ctx"/bin/* "$ctx"/cni/*
  docker build --network host --build-arg "BASE_IMAGE=$KIND_TB_DEBIAN_IMAGE" \
    --label "dev.flinkship.testbed.inputs=$key" -t "$KIND_TB_BASE_IMAGE" "$ctx" >"$log" 2>&1 ||
    tb_fail kind "docker build of $KIND_TB_BASE_IMAGE failed" "$log"
  rm -rf "$ctx"
}

# _kind_scratch_image TAG KEY ENTRYPOINT_JSON FILE...: an image FROM scratch holding FILE... in
# /usr/local/bin, a minimal /etc/passwd and /tmp, imported from a tarball (no build, no registry).
_kind_scratch_image() {
  local tag=$1 key=$2 entrypoint=$3 root
  shift 3
  [ "$(_kind_label "$tag")" = "$key" ] && return 0
  root=$TB_HOME/kind/scratch-root
  rm -rf "$root"
  mkdir -p "$root/usr/local/bin" "$root/etc" "$root/tmp" && chmod 1777 "$root/tmp" &&
    printf 'root:x:0:0:root:/root:/sbin/nologin\nnobody:x:65534:65534:nobody:/:/sbin/nologin\n' >"$root/etc/passwd" &&
    printf 'root:x:0:\nnobody:x:65534:\n' >"$root/etc/group" &&
    cp "$@" "$root/usr/local/bin/" || tb_fail kind "cannot assemble the root of $tag"
  tar -C "$root" -c . | docker import \
    --change "ENTRYPOINT $entrypoint" --change 'ENV PATH=/usr/local/bin:/usr/bin:/bin' \
    --change "LABEL dev.flinkship.testbed.inputs=$key" - "$tag" >/dev/null ||
    tb_fail kind "docker import of $tag failed"
  rm -rf "$root"
}

# The component images kubeadm expects, with the tags it prints; the list is written to
# $KIND_TB_RUN/images for the node image.
_kind_component_images() {
  local kubeadm=$KIND_TB_KUBE_TOOL/kubeadm img name tag key log=$KIND_TB_RUN/component-images.log
  local -a list
  mapfile -t list < <("$kubeadm" config images list --kubernetes-version "$KUBE_VERSION" 2>>"$log") ||
    tb_fail kind "kubeadm config images list failed" "$log"
  [ ${#list[@]} -ge 6 ] || tb_fail kind "kubeadm config images list printed ${#list[@]} images" "$log"
  : >"$KIND_TB_RUN/images"
  for img in "${list[@]}" "$KIND_TB_SANDBOX_PAUSE"; do
    name=${img%:*}; name=${name##*/}; tag=${img##*:}
    case $name in
      kube-apiserver | kube-controller-manager | kube-scheduler)
        key=$(sha256sum "$KUBE_BIN/$name" | cut -c1-16)
        _kind_scratch_image "$img" "$key" "[\"/usr/local/bin/$name\"]" "$KUBE_BIN/$name" ;;
      etcd)
        # kubeadm names the etcd it was released with; the kube component's etcd build serves that role.
        key=$(sha256sum "$KUBE_BIN/etcd" | cut -c1-16)
        _kind_scratch_image "$img" "$key" '["/usr/local/bin/etcd"]' "$KUBE_BIN/etcd" ;;
      coredns)
        local coredns
        coredns=$(_kind_tool_dir coredns "$KIND_TB_COREDNS_VERSION")/coredns
        key=$(sha256sum "$coredns" | cut -c1-16)
        _kind_scratch_image "$img" "$key" '["/usr/local/bin/coredns"]' "$coredns" ;;
      pause)
        local pause
        pause=$(_kind_tool_dir pause 3.10.1)/pause
        key=$(sha256sum "$pause" | cut -c1-16)
        _kind_scratch_image "$img" "$key" '["/usr/local/bin/pause"]' "$pause" ;;
      kube-proxy)
        _kind_kube_proxy_image "$img" ;;
      *) tb_fail kind "kubeadm expects an image this testbed cannot make: $img" ;;
    esac
    echo "$img" >>"$KIND_TB_RUN/images"
  done
}

# kube-proxy runs iptables and conntrack: Debian's, on the docker component's rootfs.
_kind_kube_proxy_image() {
  local tag=$1 key ctx log=$KIND_TB_RUN/kube-proxy-image.log
  key=$(sha256sum "$KIND_TB_KUBE_TOOL/kube-proxy" | cut -c1-16)
  [ "$(_kind_label "$tag")" = "$key" ] && return 0
  ctx=$TB_HOME/kind/kube-proxy-context
  rm -rf "$ctx" && mkdir -p "$ctx" && cp "$KIND_TB_KUBE_TOOL/kube-proxy" "$ctx/" || tb_fail kind "cannot assemble $ctx"
  cat >"$ctx/Dockerfile" <<DOCKERFILE
FROM $KIND_TB_DEBIAN_IMAGE
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends iptables nftables conntrack ipset kmod && rm -rf /var/lib/apt/lists/*
COPY kube-proxy /usr/local/bin/kube-proxy
DOCKERFILE
  docker build --network host --label "dev.flinkship.testbed.inputs=$key" -t "$tag" "$ctx" >"$log" 2>&1 ||
    tb_fail kind "docker build of $tag failed" "$log"
  rm -rf "$ctx"
}

# The node image: base image + kubeadm/kubelet/kubectl + the component images in its containerd.
_kind_node_image() {
  local key img ids="" log=$KIND_TB_RUN/node-image.log c=flinkship-testbed-kind-node-build
  for img in $(cat "$KIND_TB_RUN/images"); do ids+="$(docker image inspect -f '{{.Id}}' "$img") "; done
  key=$({ echo "$KIND_TB_BASE_IMAGE $ids $KUBE_VERSION"; sha256sum "$KIND_TB_KUBE_TOOL"/kube{adm,let} "$KUBE_BIN/kubectl"; } | sha256sum | cut -c1-12)
  KIND_TB_NODE_IMAGE=flinkship-testbed/kind-node:$KUBE_VERSION-$key
  [ "$(_kind_label "$KIND_TB_NODE_IMAGE")" = "$key" ] && return 0
  tb_log "kind: assembling the node image $KIND_TB_NODE_IMAGE (log: $log)"
  docker rm -f "$c" >/dev/null 2>&1 || true
  {
    docker run -d --name "$c" --security-opt seccomp=unconfined --entrypoint sleep "$KIND_TB_BASE_IMAGE" infinity &&
      docker cp "$KIND_TB_KUBE_TOOL/kubeadm" "$c:/usr/bin/kubeadm" &&
      docker cp "$KIND_TB_KUBE_TOOL/kubelet" "$c:/usr/bin/kubelet" &&
      docker cp "$KUBE_BIN/kubectl" "$c:/usr/bin/kubectl" &&
      docker exec "$c" sh -c "echo $KUBE_VERSION >/kind/version" &&
      docker exec -d "$c" sh -c 'containerd >/var/log/containerd-build.log 2>&1'
  } >>"$log" 2>&1 || tb_fail kind "cannot start the node image build container" "$log"
  for _ in $(seq 1 60); do docker exec "$c" ctr version >/dev/null 2>&1 && break; sleep 0.5; done
  docker exec "$c" ctr version >>"$log" 2>&1 || tb_fail kind "containerd did not start in the node image build container" "$log"
  # shellcheck disable=SC2046
  docker save $(cat "$KIND_TB_RUN/images") |
    docker exec -i "$c" ctr --namespace=k8s.io images import --label=io.cri-containerd.pinned=pinned \
      --all-platforms --no-unpack --digests - >>"$log" 2>&1 || tb_fail kind "importing the component images failed" "$log"
  docker exec "$c" sh -c 'pkill containerd; for i in $(seq 1 50); do pgrep containerd >/dev/null || exit 0; sleep 0.2; done; exit 1' >>"$log" 2>&1 ||
    tb_fail kind "containerd did not stop in the node image build container" "$log"
  docker exec "$c" rm -f /var/log/containerd-build.log
  docker commit --change 'ENTRYPOINT ["/usr/local/bin/flinkship-node-entrypoint", "/usr/local/bin/entrypoint", "/sbin/init"]' \
    --change 'CMD []' --change "LABEL dev.flinkship.testbed.inputs=$key" "$c" "$KIND_TB_NODE_IMAGE" >>"$log" 2>&1 ||
    tb_fail kind "docker commit of the node image failed" "$log"
  docker rm -f "$c" >/dev/null 2>&1 || true
}

_kind_node_container() { echo "$KIND_TB_CLUSTER-control-plane"; }

# The cluster answers: the node container runs, the API server is ready and the node is Ready.
_kind_cluster_ok() {
  [ "$(docker inspect -f '{{.State.Running}}' "$(_kind_node_container)" 2>/dev/null)" = true ] || return 1
  [ -s "$KIND_TB_RUN/kubeconfig" ] || return 1
  _kind_kubectl get --raw /readyz >/dev/null 2>&1 || return 1
  _kind_node_ready
}

_kind_node_ready() {
  [ "$(_kind_kubectl get node "$(_kind_node_container)" -o 'jsonpath={.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null)" = True ]
}

_kind_coredns_ready() {
  [ "$(_kind_kubectl -n kube-system get deploy coredns -o 'jsonpath={.status.readyReplicas}' 2>/dev/null)" = 2 ]
}

_kind_cluster_config() {
  cat >"$KIND_TB_RUN/cluster.yaml" <<YAML
kind: Cluster
apiVersion: kind.x-k8s.io/v1alpha4
networking:
  # The node image carries a bridge CNI config (kindnetd cannot be built here).
  disableDefaultCNI: true
  podSubnet: 10.244.0.0/16
nodes:
  - role: control-plane
    image: $KIND_TB_NODE_IMAGE
YAML
}

# Durable state for Flink in the cluster: a directory on the node that JobManager and TaskManager pods
# mount as a hostPath volume (one node, so every pod sees the same files), owned by the Flink image's
# user 9999 as a cluster admin would provision it.
KIND_TB_STATE_DIR=/var/lib/flinkship-state
_kind_state_dir() {
  docker exec "$(_kind_node_container)" sh -c "mkdir -p $KIND_TB_STATE_DIR && chown 9999:9999 $KIND_TB_STATE_DIR && chmod 0775 $KIND_TB_STATE_DIR" ||
    tb_fail kind "cannot create $KIND_TB_STATE_DIR on the node" /dev/null
}

_kind_cluster() {
  local log=$KIND_TB_RUN/create.log
  if _kind_cluster_ok && [ "$(docker inspect -f '{{.Config.Image}}' "$(_kind_node_container)")" = "$KIND_TB_NODE_IMAGE" ]; then
    _kind_state_dir
    return 0
  fi
  if _kind get clusters 2>/dev/null | grep -qx "$KIND_TB_CLUSTER" || docker inspect "$(_kind_node_container)" >/dev/null 2>&1; then
    tb_log "kind: the cluster $KIND_TB_CLUSTER does not answer or is outdated: deleting it"
    _kind delete cluster --name "$KIND_TB_CLUSTER" >>"$log" 2>&1 || true
    docker rm -f "$(_kind_node_container)" >/dev/null 2>&1 || true
  fi
  _kind_cluster_config
  tb_log "kind: creating the cluster $KIND_TB_CLUSTER (log: $log)"
  local start=$SECONDS
  _kind create cluster --name "$KIND_TB_CLUSTER" --config "$KIND_TB_RUN/cluster.yaml" \
    --kubeconfig "$KIND_TB_RUN/kubeconfig" --wait 0s >"$log" 2>&1 ||
    { docker logs "$(_kind_node_container)" >>"$log" 2>&1 || true; tb_fail kind "kind create cluster failed" "$log"; }
  chmod 600 "$KIND_TB_RUN/kubeconfig"
  tb_wait_until "the kind node Ready" 180 _kind_node_ready ||
    tb_fail kind "the node of $KIND_TB_CLUSTER is not Ready after 180 s" "$log"
  tb_wait_until "CoreDNS Ready in $KIND_TB_CLUSTER" 180 _kind_coredns_ready ||
    tb_fail kind "CoreDNS of $KIND_TB_CLUSTER is not Ready after 180 s" "$log"
  _kind_state_dir
  tb_log "kind: cluster $KIND_TB_CLUSTER ready in $((SECONDS - start))s"
}

kind_up() {
  docker_status >/dev/null 2>&1 ||
    tb_fail kind "the docker component is not up (scripts/testbed up docker kind)" /dev/null
  eval "$(docker_env)"
  [ -x "$KUBE_BIN/etcd" ] && [ -x "$KUBE_BIN/kubectl" ] || kube_build
  mkdir -p "$KIND_TB_RUN"
  kind_build
  _kind_wrapper
  _kind_base_image
  _kind_component_images
  _kind_node_image
  _kind_cluster
  _kind_preload
}

# Images the tests run as they are (the Kafka broker) go into the node once per cluster; `kind load`
# itself skips an image the node already has under the same ID.
_kind_preload() {
  local img log=$KIND_TB_RUN/load.log
  for img in "$KAFKA_TB_IMAGE"; do
    docker image inspect "$img" >/dev/null 2>&1 || continue
    _kind load docker-image "$img" --name "$KIND_TB_CLUSTER" >>"$log" 2>&1 ||
      tb_fail kind "kind load docker-image $img failed" "$log"
  done
}

kind_down() {
  [ -x "$(_kind_bin)" ] || return 0
  eval "$(docker_env)"
  if docker inspect "$(_kind_node_container)" >/dev/null 2>&1; then
    tb_log "kind: deleting the cluster $KIND_TB_CLUSTER"
    _kind delete cluster --name "$KIND_TB_CLUSTER" >/dev/null 2>&1 || true
  fi
  docker network rm "$KIND_TB_NETWORK" >/dev/null 2>&1 || true
  rm -f "$KIND_TB_RUN/kubeconfig"
}

kind_status() {
  if [ ! -x "$(_kind_bin)" ]; then echo "kind: not built"; return 1; fi
  eval "$(docker_env)"
  if _kind_cluster_ok; then
    echo "kind: cluster $KIND_TB_CLUSTER ready ($(_kind_kubectl config view -o 'jsonpath={.clusters[0].cluster.server}'))"
  else
    echo "kind: cluster $KIND_TB_CLUSTER not ready"
    return 1
  fi
}

kind_env() {
  echo "export FLINKSHIP_TESTBED_KIND=$(_kind_bin)"
  echo "export FLINKSHIP_TESTBED_KIND_PATH=$KIND_TB_WRAPPER_DIR"
  echo "export FLINKSHIP_TESTBED_KIND_CLUSTER=$KIND_TB_CLUSTER"
  echo "export FLINKSHIP_TESTBED_KIND_KUBECONFIG=$KIND_TB_RUN/kubeconfig"
  echo "export FLINKSHIP_TESTBED_KIND_STATE_DIR=$KIND_TB_STATE_DIR"
}
