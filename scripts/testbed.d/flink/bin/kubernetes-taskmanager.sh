#!/usr/bin/env bash
# kubernetes-taskmanager.sh [-D key=value...]
# What a TaskManager pod of Flink's native Kubernetes mode runs (through /docker-entrypoint.sh and
# `bash -c`). The JobManager's resource manager sizes the TaskManager and passes the sizes as -D
# arguments, and the JVM options for them in FLINK_TM_JVM_MEM_OPTS; without that variable (a pod
# made by other means) BashJavaUtils derives them from the configuration and the arguments.
set -euo pipefail
# shellcheck source=SCRIPTDIR/kubernetes-common.sh
. "$(dirname "$(readlink -f "$0")")/kubernetes-common.sh"

memory=${FLINK_TM_JVM_MEM_OPTS:-}
if [ -z "$memory" ]; then
  memory=$(fk_bash_java_utils GET_TM_RESOURCE_PARAMS 2 "$@" | sed -n 1p)
fi
fk_exec taskmanager kubernetes-taskmanager "$memory" org.apache.flink.kubernetes.taskmanager.KubernetesTaskExecutorRunner \
  --configDir "$FLINK_CONF_DIR" "$@"
