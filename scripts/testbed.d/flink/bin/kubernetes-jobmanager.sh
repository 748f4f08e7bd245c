#!/usr/bin/env bash
# kubernetes-jobmanager.sh kubernetes-application|kubernetes-session [ARGS...]
# What the JobManager pod of Flink's native Kubernetes mode runs (through /docker-entrypoint.sh and
# `bash -c`): the memory settings Flink's BashJavaUtils derives from the mounted configuration become
# JVM options and -D dynamic properties, then the cluster entry point runs in the foreground.
set -euo pipefail
# shellcheck source=SCRIPTDIR/kubernetes-common.sh
. "$(dirname "$(readlink -f "$0")")/kubernetes-common.sh"

[ $# -ge 1 ] || fk_fail "usage: kubernetes-jobmanager.sh kubernetes-application|kubernetes-session [args...]"
case $1 in
  kubernetes-application) class=org.apache.flink.kubernetes.entrypoint.KubernetesApplicationClusterEntrypoint ;;
  kubernetes-session) class=org.apache.flink.kubernetes.entrypoint.KubernetesSessionClusterEntrypoint ;;
  *) fk_fail "unknown entry point '$1' (kubernetes-application or kubernetes-session)" ;;
esac
name=$1
shift

# Two results: the JVM memory options (-Xmx -Xms -XX:MaxMetaspaceSize...) and the derived memory
# sizes as -D properties, which the entry point must see so it does not derive them differently.
params=$(fk_bash_java_utils GET_JM_RESOURCE_PARAMS 2 "$@")
memory=$(printf '%s\n' "$params" | sed -n 1p)
read -r -a dynamic <<<"$(printf '%s\n' "$params" | sed -n 2p)"
fk_exec jobmanager "$name" "$memory" "$class" --configDir "$FLINK_CONF_DIR" "${dynamic[@]}" "$@"
