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
  local cluster=$1 what=$2 base
  case $cluster in staging) base=16 ;; production) base=17 ;; *) return 1 ;; esac
  case $what in
    apiserver) echo "${base}443" ;;
    etcd) echo "1$((base - 4))379" ;;      # 12379 / 13379
    etcd-peer) echo "1$((base - 4))380" ;; # 12380 / 13380
    controller-manager) echo "${base}257" ;;
    scheduler) echo "${base}259" ;;
  esac
}

kube_service_cidr() { case $1 in staging) echo 10.96.0.0/16 ;; production) echo 10.97.0.0/16 ;; esac; }
kube_pod_cidr() { case $1 in staging) echo 10.244.0.1/24 ;; production) echo 10.245.0.1/24 ;; esac; }

# ---------------------------------------------------------------------------------------------------
# Build (cached, resumable: the stamp is written only after every binary is in place).

kube_build_key() {
  { cat "$KUBE_SRC/build/go.mod" "$KUBE_SRC/build/go.sum"; echo "$KUBE_VERSION"; go env GOVERSION; } | sha256sum | cut -c1-16
}

kube_build() {
  command -v go >/dev/null || tb_fail kube "go is not installed (Go >= 1.24 is needed to build the control plane)"
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
