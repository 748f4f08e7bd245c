# The testbed's kind base image, built without a registry: the same steps as kind's own base image
# (images/base/Dockerfile of sigs.k8s.io/kind), on the Debian bookworm rootfs the docker component made.
# The build context is assembled by scripts/testbed.d/kind.sh from:
#   kind-files/  images/base/files of the kind module in the Go module cache (kind's entrypoint, units,
#                containerd config), used as kind ships them
#   bin/         containerd, ctr, containerd-shim-runc-v2, runc, crictl (built here from the Go proxy)
#   cni/         CNI plugins bridge, host-local, loopback, portmap, ptp
#   files/       this directory's node files (the pre-entrypoint, the bridge CNI config)
ARG BASE_IMAGE=flinkship-testbed/debian:bookworm
FROM ${BASE_IMAGE}

COPY kind-files/usr/local/bin/ /usr/local/bin/
COPY kind-files/kind/ /kind/
COPY kind-files/etc/ /etc/
RUN set -eux; \
    chmod 0755 /kind/bin /kind/bin/*; \
    export DEBIAN_FRONTEND=noninteractive; \
    apt-get update; \
    apt-get install -y --no-install-recommends systemd conntrack iptables nftables iproute2 ethtool \
      util-linux mount kmod libseccomp2 pigz fuse-overlayfs bash ca-certificates curl jq procps; \
    rm -rf /var/lib/apt/lists/*; \
    find /lib/systemd/system/sysinit.target.wants/ -name systemd-tmpfiles-setup.service -delete; \
    rm -f /lib/systemd/system/multi-user.target.wants/* /etc/systemd/system/*.wants/* \
      /lib/systemd/system/local-fs.target.wants/* /lib/systemd/system/sockets.target.wants/*udev* \
      /lib/systemd/system/sockets.target.wants/*initctl* /lib/systemd/system/basic.target.wants/*; \
    echo ReadKMsg=no >>/etc/systemd/journald.conf; \
    ln -s "$(command -v systemd)" /sbin/init; \
    systemctl enable kubelet.service containerd.service undo-mount-hacks.service; \
    systemctl mask systemd-binfmt.service; \
    mkdir -p /etc/kubernetes/manifests /opt/cni/bin /etc/cni/net.d

COPY bin/containerd bin/ctr bin/containerd-shim-runc-v2 bin/crictl /usr/local/bin/
COPY bin/runc /usr/local/sbin/runc
COPY cni/ /opt/cni/bin/
COPY files/flinkship-node-entrypoint /usr/local/bin/flinkship-node-entrypoint
COPY files/10-flinkship-bridge.conflist /etc/cni/net.d/10-flinkship-bridge.conflist
# The runtime spec kind derives from `ctr oci spec` (product files mounted, no rlimits). Nothing here
# can lower oom_score_adj (this VM lacks CAP_SYS_RESOURCE), so containerd is told not to try.
RUN set -eux; \
    ctr oci spec \
      | jq '.hooks.createContainer[.hooks.createContainer | length] |= . + {"path": "/kind/bin/mount-product-files.sh"}' \
      | jq 'del(.process.rlimits)' >/etc/containerd/cri-base.json; \
    sed -i 's/^\( *restrict_oom_score_adj = \)false/\1true/' /etc/containerd/config.toml; \
    grep -q 'restrict_oom_score_adj = true' /etc/containerd/config.toml; \
    containerd --version; runc --version

ENV container=docker
STOPSIGNAL SIGRTMIN+3
ENTRYPOINT ["/usr/local/bin/flinkship-node-entrypoint", "/usr/local/bin/entrypoint", "/sbin/init"]
