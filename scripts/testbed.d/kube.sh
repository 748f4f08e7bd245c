# shellcheck shell=bash
# Testbed component 'kube': two Kubernetes control planes, "staging" and "production", on 127.0.0.1.
# Each has its own etcd, kube-apiserver, kube-controller-manager, kube-scheduler and a kwok controller
# that plays the kubelet for fake Nodes, so a Deployment gets Pods that turn Running and Ready.
# The binaries are built from the Go module proxy (wrapper module in kube/build, kwok via go install)
# and cached under $TB_HOME/kube; run state (pki, kubeconfigs, etcd data, logs) lives in $TB_RUN/kube.

KUBE_VERSION=v1.34.4
KUBE_KWOK_VERSION=v0.7.0
KUBE_CLUSTERS=(staging production)
KUBE_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/kube
KUBE_BIN=$TB_HOME/kube/$KUBE_VERSION/bin
KUBE_KWOK_BIN=$TB_HOME/kube/kwok-$KUBE_KWOK_VERSION/bin
KUBE_RUN=$TB_RUN/kube
# The controllers that make up one cluster, in start order.
KUBE_PARTS=(etcd apiserver controller-manager scheduler kwok)

# Fixed ports, all on 127.0.0.1: apiserver, etcd client, etcd peer, controller-manager, scheduler.
kube_port() {
  case $1/$2 in
    staging/apiserver) echo 16443 ;;
    staging/etcd) echo 12379 ;;
    staging/etcd-peer) echo 12380 ;;
    staging/controller-manager) echo 16257 ;;
    staging/scheduler) echo 16259 ;;
    production/apiserver) echo 17443 ;;
    production/etcd) echo 13379 ;;
    production/etcd-peer) echo 13380 ;;
    production/controller-manager) echo 17257 ;;
    production/scheduler) echo 17259 ;;
    *) return 1 ;;
  esac
}

kube_service_cidr() { case $1 in staging) echo 10.96.0.0/16 ;; production) echo 10.97.0.0/16 ;; esac; }
kube_node_ip() { case $1 in staging) echo 10.240.0.1 ;; production) echo 10.241.0.1 ;; esac; }
kube_pod_cidr() { case $1 in staging) echo 10.244.0.1/24 ;; production) echo 10.245.0.1/24 ;; esac; }

# ---------------------------------------------------------------------------------------------------
# Build (cached, resumable: the stamp is written only after every binary is in place).

kube_build_key() {
  { cat "$KUBE_SRC/build/go.mod" "$KUBE_SRC/build/go.sum"; echo "$KUBE_VERSION"; } | sha256sum | cut -c1-16
}

# kube_build: build under a lock, so that two concurrent `up`s do not build into the same directory.
# The lock's file descriptor is closed before any daemon starts, so no daemon inherits it.
kube_build() {
  command -v go >/dev/null || tb_fail kube "go is not installed (Go >= 1.24 is needed to build the control plane)"
  mkdir -p "$TB_HOME/kube"
  local lockfd
  exec {lockfd}>"$TB_HOME/kube/.build.lock"
  flock -w 3600 "$lockfd" || tb_fail kube "another build holds $TB_HOME/kube/.build.lock"
  kube_build_locked
  exec {lockfd}>&-
}

kube_build_locked() {
  local stamp=$KUBE_BIN/.built key
  key=$(kube_build_key)
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$key" ]; then
    :
  else
    local tmp=$TB_HOME/kube/$KUBE_VERSION/bin.tmp log=$TB_HOME/kube/$KUBE_VERSION/build.log
    local major=${KUBE_VERSION#v}; major=${major%%.*}
    local minor=${KUBE_VERSION#v*.}; minor=${minor%%.*}
    local date=2026-02-10T12:53:36Z # release time of k8s.io/kubernetes $KUBE_VERSION in the module proxy
    local ld="-s -w" pkg
    for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
      ld+=" -X $pkg.gitVersion=$KUBE_VERSION -X $pkg.gitMajor=$major -X $pkg.gitMinor=$minor"
      ld+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=$date"
    done
    rm -rf "$tmp"
    mkdir -p "$tmp"
    tb_log "kube: building kube-apiserver, kube-controller-manager, kube-scheduler, kubectl $KUBE_VERSION and etcd (several minutes when cold; log: $log)"
    local start=$SECONDS
    (cd "$KUBE_SRC/build" && CGO_ENABLED=0 GOFLAGS="-trimpath -mod=readonly" \
      go build -ldflags "$ld" -o "$tmp/" \
        k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager \
        k8s.io/kubernetes/cmd/kube-scheduler k8s.io/kubernetes/cmd/kubectl \
        go.etcd.io/etcd/server/v3) >"$log" 2>&1 ||
      tb_fail kube "building the control plane binaries failed" "$log"
    # go names the etcd main package's binary after its module path element: server.
    mv "$tmp/server" "$tmp/etcd"
    rm -rf "$KUBE_BIN"
    mv "$tmp" "$KUBE_BIN"
    echo "$key" >"$stamp"
    tb_log "kube: control plane built in $((SECONDS - start))s"
  fi
  if [ ! -x "$KUBE_KWOK_BIN/kwok" ]; then
    local log=$TB_HOME/kube/kwok-$KUBE_KWOK_VERSION.build.log start=$SECONDS
    mkdir -p "$KUBE_KWOK_BIN.tmp"
    tb_log "kube: building kwok $KUBE_KWOK_VERSION (log: $log)"
    (cd / && CGO_ENABLED=0 GOFLAGS=-trimpath GOBIN="$KUBE_KWOK_BIN.tmp" \
      go install -ldflags "-s -w" "sigs.k8s.io/kwok/cmd/kwok@$KUBE_KWOK_VERSION") >"$log" 2>&1 ||
      tb_fail kube "building kwok failed" "$log"
    rm -rf "$KUBE_KWOK_BIN"
    mv "$KUBE_KWOK_BIN.tmp" "$KUBE_KWOK_BIN"
    tb_log "kube: kwok built in $((SECONDS - start))s"
  fi
}

# ---------------------------------------------------------------------------------------------------
# PKI and kubeconfigs (generated once per cluster with openssl, kept in $KUBE_RUN/<cluster>/pki).

# kube_cert DIR NAME SUBJECT [SAN]: a P-256 key and a certificate signed by DIR/ca, client or server.
kube_cert() {
  local dir=$1 name=$2 subj=$3 san=${4:-} ext
  ext="basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment"
  if [ -n "$san" ]; then
    ext+="
extendedKeyUsage=serverAuth
subjectAltName=$san"
  else
    ext+="
extendedKeyUsage=clientAuth"
  fi
  openssl ecparam -name prime256v1 -genkey -noout -out "$dir/$name.key.tmp" &&
    openssl req -new -key "$dir/$name.key.tmp" -subj "$subj" -out "$dir/$name.csr" &&
    openssl x509 -req -in "$dir/$name.csr" -CA "$dir/ca.crt" -CAkey "$dir/ca.key" -CAcreateserial \
      -days 3650 -sha256 -extfile <(printf '%s\n' "$ext") -out "$dir/$name.crt" 2>/dev/null &&
    mv "$dir/$name.key.tmp" "$dir/$name.key" && rm -f "$dir/$name.csr"
}

kube_pki() {
  local cluster=$1 dir=$KUBE_RUN/$1/pki first_ip
  [ -f "$dir/.done" ] && return 0
  rm -rf "$dir"
  mkdir -p "$dir"
  chmod 700 "$dir"
  # The first address of the service range is the ClusterIP of the `kubernetes` Service.
  first_ip=$(kube_service_cidr "$cluster"); first_ip=${first_ip%.0/*}.1
  {
    openssl ecparam -name prime256v1 -genkey -noout -out "$dir/ca.key" &&
      openssl req -x509 -new -key "$dir/ca.key" -subj "/CN=flinkship-testbed-$cluster-ca" -days 3650 -sha256 \
        -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign,digitalSignature" \
        -out "$dir/ca.crt" &&
      kube_cert "$dir" apiserver "/CN=kube-apiserver" \
        "DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local,IP:127.0.0.1,IP:$first_ip" &&
      kube_cert "$dir" admin "/O=system:masters/CN=flinkship-testbed-admin" &&
      kube_cert "$dir" controller-manager "/CN=system:kube-controller-manager" &&
      kube_cert "$dir" scheduler "/CN=system:kube-scheduler" &&
      kube_cert "$dir" kwok "/O=system:masters/CN=kwok-controller" &&
      # ServiceAccount token signing key pair.
      openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$dir/sa.key" 2>/dev/null &&
      openssl pkey -in "$dir/sa.key" -pubout -out "$dir/sa.pub"
  } >"$KUBE_RUN/$cluster/pki.log" 2>&1 || tb_fail "kube ($cluster pki)" "openssl failed" "$KUBE_RUN/$cluster/pki.log"
  touch "$dir/.done"
}

# kube_kubeconfig CLUSTER USER FILE: a kubeconfig with embedded credentials whose context is named CLUSTER.
kube_kubeconfig() {
  local cluster=$1 user=$2 file=$3 pki=$KUBE_RUN/$1/pki
  cat >"$file.tmp" <<KC
apiVersion: v1
kind: Config
clusters:
- name: $cluster
  cluster:
    server: https://127.0.0.1:$(kube_port "$cluster" apiserver)
    certificate-authority-data: $(base64 -w0 "$pki/ca.crt")
users:
- name: $cluster-$user
  user:
    client-certificate-data: $(base64 -w0 "$pki/$user.crt")
    client-key-data: $(base64 -w0 "$pki/$user.key")
contexts:
- name: $cluster
  context:
    cluster: $cluster
    user: $cluster-$user
current-context: $cluster
KC
  chmod 600 "$file.tmp"
  mv "$file.tmp" "$file"
}

# ---------------------------------------------------------------------------------------------------
# Processes.

kube_kubectl() { "$KUBE_BIN/kubectl" --kubeconfig "$KUBE_RUN/$1/kubeconfig" --request-timeout=5s "${@:2}"; }
kube_readyz() { kube_kubectl "$1" get --raw /readyz >/dev/null 2>&1; }
kube_etcd_healthy() { curl -fsS --max-time 2 "http://127.0.0.1:$(kube_port "$1" etcd)/health" 2>/dev/null | grep -q '"health":"true"'; }

# kube_fail_part CLUSTER PART MESSAGE: fail naming the sub-component, with its log.
kube_fail_part() { tb_fail "kube ($1 $2)" "$3" "$KUBE_RUN/$1/$2.log"; }

kube_start_part() {
  local cluster=$1 part=$2 dir=$KUBE_RUN/$1 pki=$KUBE_RUN/$1/pki
  local name=kube-$cluster-$part
  tb_running "$name" && return 0
  local -a cmd
  case $part in
    etcd)
      # A fresh store whenever etcd (re)starts: nothing outlives a `down`.
      rm -rf "$dir/etcd-data"
      local client peer
      client=http://127.0.0.1:$(kube_port "$cluster" etcd)
      peer=http://127.0.0.1:$(kube_port "$cluster" etcd-peer)
      cmd=("$KUBE_BIN/etcd" --name="$cluster" --data-dir="$dir/etcd-data"
        --listen-client-urls="$client" --advertise-client-urls="$client"
        --listen-peer-urls="$peer" --initial-advertise-peer-urls="$peer"
        --initial-cluster="$cluster=$peer" --initial-cluster-state=new --initial-cluster-token="flinkship-$cluster"
        --unsafe-no-fsync=true --log-level=warn)
      ;;
    apiserver)
      # shellcheck disable=SC2054 # the commas belong to flag values (Node,RBAC)
      cmd=("$KUBE_BIN/kube-apiserver"
        --etcd-servers="http://127.0.0.1:$(kube_port "$cluster" etcd)" --etcd-prefix=/registry
        --bind-address=127.0.0.1 --advertise-address=127.0.0.1 --secure-port="$(kube_port "$cluster" apiserver)"
        --endpoint-reconciler-type=none
        --service-cluster-ip-range="$(kube_service_cidr "$cluster")"
        --tls-cert-file="$pki/apiserver.crt" --tls-private-key-file="$pki/apiserver.key"
        --client-ca-file="$pki/ca.crt"
        --authorization-mode=Node,RBAC
        --service-account-issuer="https://kubernetes.default.svc.cluster.local"
        --service-account-key-file="$pki/sa.pub" --service-account-signing-key-file="$pki/sa.key"
        --allow-privileged=true --profiling=false)
      ;;
    controller-manager)
      kube_kubeconfig "$cluster" controller-manager "$dir/controller-manager.kubeconfig"
      mkdir -p "$dir/controller-manager-certs"
      cmd=("$KUBE_BIN/kube-controller-manager"
        --kubeconfig="$dir/controller-manager.kubeconfig"
        --authentication-kubeconfig="$dir/controller-manager.kubeconfig"
        --authorization-kubeconfig="$dir/controller-manager.kubeconfig"
        --bind-address=127.0.0.1 --secure-port="$(kube_port "$cluster" controller-manager)"
        --cert-dir="$dir/controller-manager-certs"
        --leader-elect=false
        --service-account-private-key-file="$pki/sa.key" --root-ca-file="$pki/ca.crt"
        --use-service-account-credentials=true
        --cluster-signing-cert-file="$pki/ca.crt" --cluster-signing-key-file="$pki/ca.key"
        --service-cluster-ip-range="$(kube_service_cidr "$cluster")"
        --profiling=false)
      ;;
    scheduler)
      kube_kubeconfig "$cluster" scheduler "$dir/scheduler.kubeconfig"
      mkdir -p "$dir/scheduler-certs"
      cmd=("$KUBE_BIN/kube-scheduler"
        --kubeconfig="$dir/scheduler.kubeconfig"
        --authentication-kubeconfig="$dir/scheduler.kubeconfig"
        --authorization-kubeconfig="$dir/scheduler.kubeconfig"
        --bind-address=127.0.0.1 --secure-port="$(kube_port "$cluster" scheduler)"
        --cert-dir="$dir/scheduler-certs"
        --leader-elect=false --profiling=false)
      ;;
    kwok)
      kube_kubeconfig "$cluster" kwok "$dir/kwok.kubeconfig"
      # Our own config file, so that nothing from ~/.kwok leaks in. No Stage objects are configured,
      # so kwok plays its built-in default stages: nodes turn Ready (with lease heartbeats), pods
      # bound to a managed node turn Running and Ready, and terminate when deleted.
      cat >"$dir/kwok.yaml" <<KW
apiVersion: config.kwok.x-k8s.io/v1alpha1
kind: KwokConfiguration
options:
  cidr: $(kube_pod_cidr "$cluster")
  nodeIP: $(kube_node_ip "$cluster")
  manageAllNodes: false
  manageNodesWithAnnotationSelector: kwok.x-k8s.io/node=fake
  nodeLeaseDurationSeconds: 40
KW
      cmd=(env KWOK_WORKDIR="$dir/kwok-workdir" "$KUBE_KWOK_BIN/kwok" --config="$dir/kwok.yaml"
        --kubeconfig="$dir/kwok.kubeconfig")
      ;;
  esac
  tb_start "$name" "$dir/$part.log" "${cmd[@]}"
}

# kube_nodes CLUSTER: the fake Nodes kwok manages (status may be set on create for Nodes).
kube_nodes() {
  local cluster=$1 i
  for i in 1 2; do
    cat <<ND
---
apiVersion: v1
kind: Node
metadata:
  name: $cluster-node-$i
  annotations:
    kwok.x-k8s.io/node: fake
    node.alpha.kubernetes.io/ttl: "0"
  labels:
    kubernetes.io/arch: amd64
    kubernetes.io/hostname: $cluster-node-$i
    kubernetes.io/os: linux
    kubernetes.io/role: agent
    node-role.kubernetes.io/agent: ""
    type: kwok
status:
  allocatable: { cpu: "32", memory: 128Gi, pods: "110", ephemeral-storage: 500Gi }
  capacity: { cpu: "32", memory: 128Gi, pods: "110", ephemeral-storage: 500Gi }
ND
  done
}

kube_up() {
  tb_apt_install openssl curl
  kube_build
  local cluster part
  for cluster in "${KUBE_CLUSTERS[@]}"; do
    mkdir -p "$KUBE_RUN/$cluster"
    kube_pki "$cluster"
    kube_kubeconfig "$cluster" admin "$KUBE_RUN/$cluster/kubeconfig"
  done
  # Both clusters start side by side: etcd, then the API server.
  for cluster in "${KUBE_CLUSTERS[@]}"; do
    if ! tb_running "kube-$cluster-etcd"; then
      # etcd starts with an empty store, so whatever still runs against the old one restarts too.
      for part in kwok scheduler controller-manager apiserver; do tb_stop "kube-$cluster-$part"; done
    fi
    kube_start_part "$cluster" etcd
  done
  for cluster in "${KUBE_CLUSTERS[@]}"; do
    tb_wait_until "$cluster etcd /health" 30 kube_settled "$cluster" etcd kube_etcd_healthy
    kube_etcd_healthy "$cluster" ||
      kube_fail_part "$cluster" etcd "etcd is not healthy on 127.0.0.1:$(kube_port "$cluster" etcd)"
  done
  for cluster in "${KUBE_CLUSTERS[@]}"; do kube_start_part "$cluster" apiserver; done
  for cluster in "${KUBE_CLUSTERS[@]}"; do
    tb_wait_until "$cluster kube-apiserver /readyz" 90 kube_settled "$cluster" apiserver kube_readyz
    kube_readyz "$cluster" ||
      kube_fail_part "$cluster" apiserver "kube-apiserver does not report /readyz on https://127.0.0.1:$(kube_port "$cluster" apiserver)"
  done
  for cluster in "${KUBE_CLUSTERS[@]}"; do
    for part in controller-manager scheduler kwok; do kube_start_part "$cluster" "$part"; done
    kube_nodes "$cluster" | kube_kubectl "$cluster" apply --server-side --field-manager=flinkship-testbed -f - \
      >>"$KUBE_RUN/$cluster/nodes.log" 2>&1 || kube_fail_part "$cluster" nodes "creating the fake nodes failed"
  done
  for cluster in "${KUBE_CLUSTERS[@]}"; do
    for part in "${KUBE_PARTS[@]}"; do
      tb_running "kube-$cluster-$part" || kube_fail_part "$cluster" "$part" "kube-$cluster-$part exited"
    done
    tb_wait_until "$cluster nodes Ready" 60 kube_nodes_ready "$cluster" ||
      kube_fail_part "$cluster" kwok "the fake nodes of $cluster did not turn Ready"
    tb_wait_until "$cluster ServiceAccount default/default" 60 kube_kubectl "$cluster" -n default get serviceaccount default ||
      kube_fail_part "$cluster" controller-manager "the ServiceAccount default/default was not created"
  done
}

# kube_settled CLUSTER PART CHECK: CHECK passes, or PART has exited (then waiting longer is pointless).
kube_settled() { "$3" "$1" || ! tb_running "kube-$1-$2"; }

kube_nodes_ready() {
  local out
  out=$(kube_kubectl "$1" get nodes -l type=kwok \
    -o 'jsonpath={range .items[*]}{.status.conditions[?(@.type=="Ready")].status}{"\n"}{end}') || return 1
  [ "$(grep -c '^True$' <<<"$out")" -eq 2 ]
}

kube_down() {
  local cluster i
  for cluster in "${KUBE_CLUSTERS[@]}"; do
    for (( i=${#KUBE_PARTS[@]}-1; i>=0; i-- )); do tb_stop "kube-$cluster-${KUBE_PARTS[$i]}"; done
    rm -rf "$KUBE_RUN/$cluster/etcd-data"
  done
}

kube_status() {
  local cluster rc=0 part
  local -a stopped
  for cluster in "${KUBE_CLUSTERS[@]}"; do
    stopped=()
    for part in "${KUBE_PARTS[@]}"; do tb_running "kube-$cluster-$part" || stopped+=("$part"); done
    if [ ! -x "$KUBE_BIN/kubectl" ]; then
      echo "kube $cluster: not built"; rc=1
    elif kube_readyz "$cluster" && [ ${#stopped[@]} -eq 0 ]; then
      echo "kube $cluster: ready (https://127.0.0.1:$(kube_port "$cluster" apiserver)/readyz ok)"
    elif [ ${#stopped[@]} -gt 0 ]; then
      echo "kube $cluster: not ready (not running: ${stopped[*]})"; rc=1
    else
      echo "kube $cluster: not ready (https://127.0.0.1:$(kube_port "$cluster" apiserver)/readyz failed)"; rc=1
    fi
  done
  return $rc
}

kube_env() {
  echo "export FLINKSHIP_TESTBED_STAGING_KUBECONFIG=$KUBE_RUN/staging/kubeconfig"
  echo "export FLINKSHIP_TESTBED_PRODUCTION_KUBECONFIG=$KUBE_RUN/production/kubeconfig"
  echo "export FLINKSHIP_TESTBED_KUBECTL=$KUBE_BIN/kubectl"
}
