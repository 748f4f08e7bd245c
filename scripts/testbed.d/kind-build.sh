# shellcheck shell=bash
# Testbed component 'kind', part 1: the binaries a kind node runs, built from the Go module proxy and
# Debian (no registry and no GitHub download can be reached here). Sourced by scripts/testbed.d/kind.sh.
# Every tool is built into $KIND_TOOLS/<name>@<version>/ and marked done only when its binaries are in
# place, so an interrupted build resumes with the tool it was building; a version bump builds only that tool.

KIND_TB_KIND_VERSION=v0.30.0
KIND_TB_CONTAINERD_VERSION=v2.1.4
KIND_TB_RUNC_VERSION=v1.3.0
KIND_TB_CNI_VERSION=v1.7.1
KIND_TB_CRICTL_VERSION=v1.34.0
KIND_TB_COREDNS_VERSION=v1.12.1
KIND_TB_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/kind
KIND_TOOLS=$TB_HOME/kind/tools

# A short hash of a wrapper module's go.mod and go.sum: part of the version its tools are cached under.
_kind_mod_key() { cat "$KIND_TB_SRC/$1/go.mod" "$KIND_TB_SRC/$1/go.sum" | sha256sum | cut -c1-12; }

_kind_containerd_version() { echo "$KIND_TB_CONTAINERD_VERSION-$(_kind_mod_key containerd)"; }

# _kind_tool_dir NAME VERSION: where a tool's binaries live once built.
_kind_tool_dir() { echo "$KIND_TOOLS/$1@$2"; }

# _kind_tool NAME VERSION BUILDER [ARGS...]: run BUILDER OUT ARGS... unless NAME@VERSION is built.
_kind_tool() {
  local name=$1 version=$2 builder=$3 dir out log start=$SECONDS
  shift 3
  dir=$(_kind_tool_dir "$name" "$version")
  [ -f "$dir/.built" ] && return 0
  out=$dir.tmp
  log=$KIND_TOOLS/$name@$version.log
  rm -rf "$out"
  mkdir -p "$out"
  tb_log "kind: building $name $version (log: $log)"
  "$builder" "$out" "$@" >"$log" 2>&1 || tb_fail kind "building $name $version failed" "$log"
  touch "$out/.built"
  rm -rf "$dir"
  mv "$out" "$dir"
  tb_log "kind: $name $version built in $((SECONDS - start))s"
}

# _kind_go_install OUT VERSION PKG...: `go install PKG@VERSION` into OUT, static, trimmed.
_kind_go_install() {
  local out=$1 version=$2 pkg
  shift 2
  local -a pkgs=()
  for pkg in "$@"; do pkgs+=("$pkg@$version"); done
  (cd / && CGO_ENABLED=0 GOFLAGS=-trimpath GOBIN=$out go install -ldflags "-s -w ${KIND_LDFLAGS:-}" ${KIND_TAGS:+-tags "$KIND_TAGS"} "${pkgs[@]}")
}

# kubeadm, kubelet and kube-proxy at the kube component's Kubernetes version, from the wrapper module.
_kind_build_kubernetes() {
  local out=$1 major minor ld="-s -w" pkg
  major=${KUBE_VERSION#v}; major=${major%%.*}
  minor=${KUBE_VERSION#v*.}; minor=${minor%%.*}
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ld+=" -X $pkg.gitVersion=$KUBE_VERSION -X $pkg.gitMajor=$major -X $pkg.gitMinor=$minor"
    ld+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=2026-02-10T12:53:36Z"
  done
  (cd "$KIND_TB_SRC/build" && CGO_ENABLED=0 GOFLAGS="-trimpath -mod=readonly" \
    go build -ldflags "$ld" -o "$out/" k8s.io/kubernetes/cmd/kubeadm k8s.io/kubernetes/cmd/kubelet \
    k8s.io/kubernetes/cmd/kube-proxy)
}

# containerd's go.mod has exclude directives, so it is built as tools of the wrapper module kind/containerd.
_kind_build_containerd() {
  (cd "$KIND_TB_SRC/containerd" && CGO_ENABLED=0 GOFLAGS="-trimpath -mod=readonly" go build \
    -tags "no_aufs no_zfs no_btrfs no_devmapper" \
    -ldflags "-s -w -X github.com/containerd/containerd/v2/version.Version=$2" -o "$1/" \
    github.com/containerd/containerd/v2/cmd/containerd github.com/containerd/containerd/v2/cmd/ctr \
    github.com/containerd/containerd/v2/cmd/containerd-shim-runc-v2)
}

# runc needs cgo for seccomp: a static binary against Debian's libseccomp.
_kind_build_runc() {
  local out=$1 version=$2
  (cd / && CGO_ENABLED=1 GOFLAGS=-trimpath GOBIN=$out go install -tags "seccomp netgo osusergo" \
    -ldflags "-s -w -X main.version=${version#v} -extldflags -static" "github.com/opencontainers/runc@$version")
}

_kind_build_cni() {
  local p=github.com/containernetworking/plugins/plugins
  _kind_go_install "$1" "$2" "$p/main/bridge" "$p/main/loopback" "$p/main/ptp" "$p/ipam/host-local" "$p/meta/portmap"
}

_kind_build_crictl() { _kind_go_install "$1" "$2" sigs.k8s.io/cri-tools/cmd/crictl; }
_kind_build_coredns() { _kind_go_install "$1" "$2" github.com/coredns/coredns; }
_kind_build_kind() { _kind_go_install "$1" "$2" sigs.k8s.io/kind; }

# pause, from the C source in the k8s.io/kubernetes module (downloaded by the Kubernetes build).
_kind_build_pause() {
  local out=$1 src
  src=$(cd "$KIND_TB_SRC/build" && GOFLAGS=-mod=readonly go list -m -f '{{.Dir}}' k8s.io/kubernetes)/build/pause/linux/pause.c
  gcc -Os -Wall -Werror -static -DVERSION="$2" -o "$out/pause" "$src" && strip "$out/pause"
}

kind_build() {
  command -v go >/dev/null || tb_fail kind "go is not installed (Go >= 1.24 is needed to build the kind node)"
  tb_apt_install gcc libc6-dev libseccomp-dev
  mkdir -p "$KIND_TOOLS"
  local lockfd
  exec {lockfd}>"$KIND_TOOLS/.build.lock"
  flock -w 3600 "$lockfd" || tb_fail kind "another build holds $KIND_TOOLS/.build.lock"
  local kkey
  kkey=$(_kind_mod_key build)
  _kind_tool kind "$KIND_TB_KIND_VERSION" _kind_build_kind "$KIND_TB_KIND_VERSION"
  _kind_tool kubernetes "$KUBE_VERSION-$kkey" _kind_build_kubernetes
  _kind_tool pause 3.10.1 _kind_build_pause 3.10.1
  _kind_tool containerd "$(_kind_containerd_version)" _kind_build_containerd "$KIND_TB_CONTAINERD_VERSION"
  _kind_tool runc "$KIND_TB_RUNC_VERSION" _kind_build_runc "$KIND_TB_RUNC_VERSION"
  _kind_tool cni "$KIND_TB_CNI_VERSION" _kind_build_cni "$KIND_TB_CNI_VERSION"
  _kind_tool crictl "$KIND_TB_CRICTL_VERSION" _kind_build_crictl "$KIND_TB_CRICTL_VERSION"
  _kind_tool coredns "$KIND_TB_COREDNS_VERSION" _kind_build_coredns "$KIND_TB_COREDNS_VERSION"
  exec {lockfd}>&-
  # shellcheck disable=SC2034 # read by kind.sh
  KIND_TB_KUBE_TOOL=$(_kind_tool_dir kubernetes "$KUBE_VERSION-$kkey")
}
