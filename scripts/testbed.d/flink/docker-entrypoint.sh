#!/usr/bin/env bash
# Entrypoint of the Flinkship testbed's Flink image (written for the testbed after the official
# image's documented behaviour; Flink's native Kubernetes mode uses it as kubernetes.entry.path):
#   (no arguments) | help   prints usage.
#   jobmanager | taskmanager  (standalone mode) are not supported here: say so and exit 2.
#   anything else           runs that command, e.g. native mode's
#                             bash -c "kubernetes-jobmanager.sh kubernetes-application"
#                             bash -c "kubernetes-taskmanager.sh -D ..."
#                           as user flink (9999:9999) when started as root, after enabling the
#                           plugins named in ENABLE_BUILT_IN_PLUGINS.
set -euo pipefail

FLINK_HOME=${FLINK_HOME:-/opt/flink}
FLINK_UID=9999
FLINK_GID=9999

usage() {
  cat <<USAGE
flinkship-testbed/flink: Flink ${FLINK_VERSION:-} assembled from Maven Central jars.
usage: docker run <image> help
       docker run <image> flink <args>                     the Flink client
       docker run <image> bash -c "kubernetes-jobmanager.sh kubernetes-application"
       docker run <image> bash -c "kubernetes-taskmanager.sh -D key=value ..."
       docker run <image> <any command>
Commands run as user flink ($FLINK_UID) when the container starts as root.
ENABLE_BUILT_IN_PLUGINS="a.jar;b.jar" copies those jars from $FLINK_HOME/opt to $FLINK_HOME/plugins/<jar name>/.
USAGE
}

# ENABLE_BUILT_IN_PLUGINS: jar names in opt/, separated by ';'. Each goes into its own plugin
# directory named after the jar, as the official image does; a missing jar stops the container.
enable_plugins() {
  local list=${ENABLE_BUILT_IN_PLUGINS:-} jar name
  [ -n "$list" ] || return 0
  local IFS=';'
  for jar in $list; do
    jar=$(echo "$jar" | tr -d '[:space:]')
    [ -n "$jar" ] || continue
    if [ ! -f "$FLINK_HOME/opt/$jar" ]; then
      echo "docker-entrypoint.sh: plugin $jar is not in $FLINK_HOME/opt (ENABLE_BUILT_IN_PLUGINS)" >&2
      exit 1
    fi
    name=${jar%.jar}
    mkdir -p "$FLINK_HOME/plugins/$name"
    cp "$FLINK_HOME/opt/$jar" "$FLINK_HOME/plugins/$name/"
    echo "docker-entrypoint.sh: enabled plugin $jar" >&2
  done
}

if [ $# -eq 0 ] || [ "$1" = help ] || [ "$1" = --help ]; then
  usage
  exit 0
fi
case $1 in
  jobmanager | taskmanager)
    echo "docker-entrypoint.sh: standalone '$1' is not supported by this image; it runs Flink's native Kubernetes mode (kubernetes-jobmanager.sh / kubernetes-taskmanager.sh) and the flink client" >&2
    exit 2
    ;;
esac

enable_plugins
if [ "$(id -u)" = 0 ]; then
  # setpriv (util-linux) instead of gosu: the same drop to flink's uid, gid and groups, then exec.
  export HOME=$FLINK_HOME USER=flink
  exec setpriv --reuid "$FLINK_UID" --regid "$FLINK_GID" --init-groups -- "$@"
fi
exec "$@"
