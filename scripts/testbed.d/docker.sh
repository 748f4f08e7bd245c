# shellcheck shell=bash
# Testbed component 'docker': a Docker engine plus base images made without any registry.
#
# Engine: when `docker info` works on the default socket (DOCKER_HOST unset), that engine is used and
# left alone. Otherwise Debian's docker.io is installed and our own dockerd is started:
#   data      $TB_HOME/docker/data   (cached: images survive `down`)
#   socket    $TB_RUN/docker.sock
#   exec root $TB_RUN/docker/exec, pid file $TB_RUN/docker/dockerd.pid, log $TB_RUN/docker.log
#   containerd: the one dockerd manages itself (its state under the exec root, its log in ours).
# Networking: iptables + the docker0 bridge, so `docker build` RUN steps reach the Debian mirror
# (ip_forward is switched on before dockerd starts, so dockerd leaves the FORWARD policy at ACCEPT);
# `--network host` works too. Storage driver: dockerd's own choice (overlay2 where the data root's
# file system allows it, else vfs); force one with FLINKSHIP_TESTBED_DOCKER_STORAGE_DRIVER.
#
# Images (rootfs tarballs cached under $TB_HOME/images/, imported only when missing):
#   flinkship-testbed/debian:bookworm   debootstrap --variant=minbase from the mirror apt uses here
#   flinkship-testbed/busybox:latest    Debian's busybox-static and its applet links

DOCKER_TB_SOCK=$TB_RUN/docker.sock
DOCKER_TB_DEBIAN_IMAGE=flinkship-testbed/debian:bookworm
DOCKER_TB_BUSYBOX_IMAGE=flinkship-testbed/busybox:latest
DOCKER_TB_SYSTEM_HOST=unix:///var/run/docker.sock

# The engine already on the default socket, if any, answers.
_docker_system_engine() {
  DOCKER_HOST=$DOCKER_TB_SYSTEM_HOST docker info >/dev/null 2>&1
}

# DOCKER_HOST for the engine in use, or nothing (status 1) when none is up.
_docker_host() {
  if tb_running dockerd && [ -S "$DOCKER_TB_SOCK" ]; then
    echo "unix://$DOCKER_TB_SOCK"
  elif ! tb_running dockerd && command -v docker >/dev/null 2>&1 && _docker_system_engine; then
    echo "$DOCKER_TB_SYSTEM_HOST"
  else
    return 1
  fi
}

_docker() { DOCKER_HOST=$(_docker_host) docker "$@"; }

# apt-get install that waits for the dpkg lock (other testbed components may be installing too).
_docker_apt_install() {
  local i
  # Bounded retries: another component's apt-get may hold the dpkg lock for a while.
  for i in 1 2 3 4 5 6; do
    tb_apt_install "$@" && return 0
    tb_log "docker: apt-get install $* failed (attempt $i of 6); retrying in 10s"
    rm -f "$TB_RUN/.apt-updated"
    sleep 10
  done
  return 1
}

# The URI of the Debian archive that apt on this machine uses for bookworm (deb822 or one-line).
_docker_debian_mirror() {
  local f uri=""
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    uri=$(awk '
      BEGIN { RS=""; FS="\n" }
      {
        uris=""; suites=""; types=""
        for (i = 1; i <= NF; i++) {
          if ($i ~ /^URIs:/)   { uris = $i;   sub(/^URIs:[ \t]*/, "", uris) }
          if ($i ~ /^Suites:/) { suites = $i; sub(/^Suites:[ \t]*/, "", suites) }
          if ($i ~ /^Types:/)  { types = $i }
        }
        if (types ~ /(^|[ \t])deb([ \t]|$)/ && (" " suites " ") ~ / bookworm /) { split(uris, u, /[ \t]+/); print u[1]; exit }
      }' "$f")
    [ -n "$uri" ] && break
  done
  if [ -z "$uri" ]; then
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
      [ -f "$f" ] || continue
      uri=$(awk '$1 == "deb" { i = 2; if ($2 ~ /^\[/) { while (i <= NF && $i !~ /\]$/) i++; i++ } if ($(i+1) == "bookworm") { print $i; exit } }' "$f")
      [ -n "$uri" ] && break
    done
  fi
  echo "${uri:-http://deb.debian.org/debian}"
}

_docker_start_engine() {
  local logf=$TB_RUN/docker.log args
  mkdir -p "$TB_HOME/docker/data" "$TB_RUN/docker/exec"
  # Switching ip_forward on ourselves keeps dockerd from setting the FORWARD policy to DROP, which
  # would cut off network namespaces other testbed components route through.
  if [ "$(cat /proc/sys/net/ipv4/ip_forward)" != 1 ]; then
    echo 1 >/proc/sys/net/ipv4/ip_forward || tb_log "docker: could not enable ip_forward; dockerd will"
  fi
  # Leftovers of a dockerd that did not stop cleanly (we know ours is not running): a stale pid
  # file could name an unrelated process and make dockerd refuse to start.
  rm -f "$DOCKER_TB_SOCK" "$TB_RUN/docker/dockerd.pid"
  args=(
    --data-root "$TB_HOME/docker/data"
    --exec-root "$TB_RUN/docker/exec"
    --pidfile "$TB_RUN/docker/dockerd.pid"
    -H "unix://$DOCKER_TB_SOCK"
    --mtu "$(_docker_mtu)"
  )
  [ -n "${FLINKSHIP_TESTBED_DOCKER_STORAGE_DRIVER:-}" ] && args+=(--storage-driver "$FLINKSHIP_TESTBED_DOCKER_STORAGE_DRIVER")
  : >"$logf"
  tb_log "docker: starting dockerd (log $logf)"
  tb_start dockerd "$logf" /usr/sbin/dockerd "${args[@]}"
  # Stop waiting as soon as dockerd answers or dies.
  if ! tb_wait_until "dockerd on $DOCKER_TB_SOCK" 60 _docker_answers_or_died || ! tb_running dockerd ||
    ! _docker_answers_or_died; then
    tb_stop dockerd
    tb_fail docker "dockerd did not answer on $DOCKER_TB_SOCK within 60s" "$logf"
  fi
}

_docker_answers_or_died() {
  tb_running dockerd || return 0
  DOCKER_HOST="unix://$DOCKER_TB_SOCK" docker info >/dev/null 2>&1
}

# MTU of the interface that carries the default route (container traffic leaves through it).
_docker_mtu() {
  local dev mtu
  dev=$(ip route show default 2>/dev/null | awk '{ for (i = 1; i < NF; i++) if ($i == "dev") { print $(i+1); exit } }')
  [ -n "$dev" ] && mtu=$(ip -o link show dev "$dev" 2>/dev/null | sed -n 's/.* mtu \([0-9][0-9]*\).*/\1/p')
  echo "${mtu:-1500}"
}

# Import TARBALL as IMAGE with the given --change instructions.
_docker_import() {
  local tarball=$1 image=$2
  shift 2
  local changes=() c
  for c in "$@"; do changes+=(--change "$c"); done
  tb_log "docker: importing $image from $tarball"
  _docker import "${changes[@]}" "$tarball" "$image" >/dev/null
}

_docker_debian_image() {
  local tarball=$TB_HOME/images/debian-bookworm-minbase.tar mirror tmp
  _docker image inspect "$DOCKER_TB_DEBIAN_IMAGE" >/dev/null 2>&1 && return 0
  if [ ! -s "$tarball" ]; then
    _docker_apt_install debootstrap debian-archive-keyring || tb_fail docker "could not install debootstrap"
    mirror=$(_docker_debian_mirror)
    mkdir -p "$TB_HOME/images"
    tmp=$(mktemp -d "$TB_HOME/images/.debootstrap.XXXXXX")
    tb_log "docker: debootstrap bookworm (minbase) from $mirror (log $TB_RUN/debootstrap.log)"
    if ! debootstrap --variant=minbase bookworm "$tmp/rootfs" "$mirror" >"$TB_RUN/debootstrap.log" 2>&1; then
      rm -rf "$tmp"
      tb_fail docker "debootstrap failed" "$TB_RUN/debootstrap.log"
    fi
    # Keep the image small and free of host-specific state.
    rm -rf "$tmp"/rootfs/var/cache/apt/archives/*.deb "$tmp"/rootfs/var/lib/apt/lists/* \
      "$tmp"/rootfs/var/log/* "$tmp"/rootfs/dev/* "$tmp"/rootfs/proc/* "$tmp"/rootfs/sys/*
    tar --numeric-owner --xattrs -C "$tmp/rootfs" -cf "$tmp/rootfs.tar" . || {
      rm -rf "$tmp"
      tb_fail docker "could not pack the Debian rootfs"
    }
    mv "$tmp/rootfs.tar" "$tarball"
    rm -rf "$tmp"
  fi
  _docker_import "$tarball" "$DOCKER_TB_DEBIAN_IMAGE" 'CMD ["/bin/bash"]' 'ENV LANG=C.UTF-8' ||
    tb_fail docker "docker import of $tarball failed"
}

_docker_busybox_image() {
  local version tarball tmp applet
  _docker image inspect "$DOCKER_TB_BUSYBOX_IMAGE" >/dev/null 2>&1 && return 0
  _docker_apt_install busybox-static || tb_fail docker "could not install busybox-static"
  version=$(dpkg-query -W -f '${Version}' busybox-static)
  tarball=$TB_HOME/images/busybox-static-${version//:/_}.tar
  if [ ! -s "$tarball" ]; then
    mkdir -p "$TB_HOME/images"
    tmp=$(mktemp -d "$TB_HOME/images/.busybox.XXXXXX")
    mkdir -p "$tmp/rootfs/bin" "$tmp/rootfs/etc" "$tmp/rootfs/tmp" "$tmp/rootfs/root"
    cp /bin/busybox "$tmp/rootfs/bin/busybox"
    for applet in $(/bin/busybox --list); do
      [ "$applet" = busybox ] || ln -s busybox "$tmp/rootfs/bin/$applet"
    done
    printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$tmp/rootfs/etc/passwd"
    printf 'root:x:0:\nnogroup:x:65534:\n' >"$tmp/rootfs/etc/group"
    chmod 1777 "$tmp/rootfs/tmp"
    tar --numeric-owner --owner=0 --group=0 -C "$tmp/rootfs" -cf "$tmp/rootfs.tar" . &&
      mv "$tmp/rootfs.tar" "$tarball"
    rm -rf "$tmp"
    [ -s "$tarball" ] || tb_fail docker "could not pack the busybox rootfs"
  fi
  _docker_import "$tarball" "$DOCKER_TB_BUSYBOX_IMAGE" 'CMD ["/bin/sh"]' \
    'ENV PATH=/bin' || tb_fail docker "docker import of $tarball failed"
}

docker_up() {
  mkdir -p "$TB_RUN"
  if tb_running dockerd && _docker info >/dev/null 2>&1; then
    :
  elif ! tb_running dockerd && command -v docker >/dev/null 2>&1 && _docker_system_engine; then
    tb_log "docker: using the engine already running on $DOCKER_TB_SYSTEM_HOST"
  else
    tb_stop dockerd
    _docker_apt_install docker.io iptables || tb_fail docker "could not install docker.io"
    if _docker_system_engine; then
      # On a systemd machine the package starts its own engine on the default socket: use that one.
      tb_log "docker: using the engine the docker.io package started on $DOCKER_TB_SYSTEM_HOST"
    else
      _docker_start_engine
    fi
  fi
  _docker_debian_image
  _docker_busybox_image
}

docker_down() {
  # Only our own dockerd; an engine that was already running is not ours to stop.
  tb_running dockerd || { rm -f "$TB_RUN/dockerd.pid"; return 0; }
  tb_log "docker: stopping dockerd"
  # dockerd stops its containers and its containerd before it exits; give it the time it needs.
  local pid
  pid=$(cat "$TB_RUN/dockerd.pid")
  kill "$pid" 2>/dev/null || true
  tb_wait_until "dockerd to exit" 30 sh -c "! kill -0 $pid" || true
  tb_stop dockerd
  # dockerd leaves its bind mount of the host network namespace behind; nothing else uses it.
  if mountpoint -q "$TB_RUN/docker/exec/netns/default" 2>/dev/null; then
    umount "$TB_RUN/docker/exec/netns/default" 2>/dev/null || true
  fi
  rm -f "$DOCKER_TB_SOCK"
}

docker_status() {
  local host driver
  if ! host=$(_docker_host); then
    echo "docker: down"
    return 1
  fi
  if ! driver=$(DOCKER_HOST=$host docker info --format '{{.Driver}}' 2>/dev/null); then
    echo "docker: engine at $host does not answer"
    return 1
  fi
  local images=() i
  for i in "$DOCKER_TB_DEBIAN_IMAGE" "$DOCKER_TB_BUSYBOX_IMAGE"; do
    DOCKER_HOST=$host docker image inspect "$i" >/dev/null 2>&1 || images+=("$i")
  done
  if [ ${#images[@]} -gt 0 ]; then
    echo "docker: up at $host (storage $driver), missing images: ${images[*]}"
    return 1
  fi
  echo "docker: up at $host (storage $driver), images $DOCKER_TB_DEBIAN_IMAGE $DOCKER_TB_BUSYBOX_IMAGE"
}

docker_env() {
  local host
  host=$(_docker_host) || return 0
  echo "export DOCKER_HOST=$host"
  echo "export FLINKSHIP_TESTBED_DEBIAN_IMAGE=$DOCKER_TB_DEBIAN_IMAGE"
  echo "export FLINKSHIP_TESTBED_BUSYBOX_IMAGE=$DOCKER_TB_BUSYBOX_IMAGE"
}
