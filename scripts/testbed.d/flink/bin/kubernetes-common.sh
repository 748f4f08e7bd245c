# shellcheck shell=bash
# Shared by kubernetes-jobmanager.sh and kubernetes-taskmanager.sh of the Flinkship testbed's Flink
# image (sourced, not run). Flink's binary distribution (bin/config.sh, flink-console.sh) cannot be
# downloaded here, so these scripts do what native Kubernetes mode needs of it, written for the
# testbed: the same environment variables, the memory settings from Flink's own BashJavaUtils, the
# env.java.* options of the mounted configuration, logging to the console, and `exec java` so the
# JVM is the container's main process.

fk_self=$(readlink -f "${BASH_SOURCE[0]}")
FLINK_BIN_DIR=$(dirname "$fk_self")
FLINK_HOME=${FLINK_HOME:-$(dirname "$FLINK_BIN_DIR")}
FLINK_CONF_DIR=${FLINK_CONF_DIR:-$FLINK_HOME/conf}
FLINK_LIB_DIR=${FLINK_LIB_DIR:-$FLINK_HOME/lib}
FLINK_OPT_DIR=${FLINK_OPT_DIR:-$FLINK_HOME/opt}
FLINK_PLUGINS_DIR=${FLINK_PLUGINS_DIR:-$FLINK_HOME/plugins}
FLINK_LOG_DIR=${FLINK_LOG_DIR:-$FLINK_HOME/log}
# Flink reads these from the environment: FLINK_LIB_DIR's sibling usrlib/ holds the application
# jar (application mode, local:// URIs), FLINK_PLUGINS_DIR the plugins, FLINK_CONF_DIR the config.
export FLINK_HOME FLINK_BIN_DIR FLINK_CONF_DIR FLINK_LIB_DIR FLINK_OPT_DIR FLINK_PLUGINS_DIR FLINK_LOG_DIR

if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ]; then
  FK_JAVA=$JAVA_HOME/bin/java
else
  FK_JAVA=java
fi

fk_fail() {
  echo "$(basename "$0"): $*" >&2
  exit 1
}

# Every jar in lib/, in glob (sorted) order: the distribution's flink-dist jar is split here into
# the Maven modules it is made of.
shopt -s nullglob
fk_jars=("$FLINK_LIB_DIR"/*.jar)
shopt -u nullglob
[ ${#fk_jars[@]} -gt 0 ] || fk_fail "no jars in $FLINK_LIB_DIR"
FK_CLASSPATH=$(IFS=:; echo "${fk_jars[*]}")

# What Flink's default configuration passes as env.java.default-opts.all on Java 17: the module
# opens and exports its serializers and RPC need. Used unless the configuration sets that key.
FK_DEFAULT_JAVA_OPTS="-XX:+IgnoreUnrecognizedVMOptions
  --add-exports=java.base/sun.net.util=ALL-UNNAMED --add-exports=java.rmi/sun.rmi.registry=ALL-UNNAMED
  --add-exports=jdk.compiler/com.sun.tools.javac.api=ALL-UNNAMED --add-exports=jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED
  --add-exports=jdk.compiler/com.sun.tools.javac.parser=ALL-UNNAMED --add-exports=jdk.compiler/com.sun.tools.javac.tree=ALL-UNNAMED
  --add-exports=jdk.compiler/com.sun.tools.javac.util=ALL-UNNAMED --add-exports=java.security.jgss/sun.security.krb5=ALL-UNNAMED
  --add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.net=ALL-UNNAMED --add-opens=java.base/java.io=ALL-UNNAMED
  --add-opens=java.base/java.nio=ALL-UNNAMED --add-opens=java.base/sun.nio.ch=ALL-UNNAMED --add-opens=java.base/java.lang.reflect=ALL-UNNAMED
  --add-opens=java.base/java.text=ALL-UNNAMED --add-opens=java.base/java.time=ALL-UNNAMED --add-opens=java.base/java.util=ALL-UNNAMED
  --add-opens=java.base/java.util.concurrent=ALL-UNNAMED --add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED
  --add-opens=java.base/java.util.concurrent.locks=ALL-UNNAMED"

# fk_bash_java_utils COMMAND LINES [ARGS...]: runs Flink's BashJavaUtils against FLINK_CONF_DIR and
# prints its LINES result lines (the BASH_JAVA_UTILS_EXEC_RESULT: prefix removed). Exits with its
# whole output when it fails or prints another number of results.
fk_bash_java_utils() {
  local cmd=$1 lines=$2 out results n
  shift 2
  out=$("$FK_JAVA" -Xmx128m -XX:TieredStopAtLevel=1 -classpath "$FK_CLASSPATH" \
    org.apache.flink.runtime.util.bash.BashJavaUtils "$cmd" --configDir "$FLINK_CONF_DIR" "$@" 2>&1) ||
    fk_fail "BashJavaUtils $cmd failed:"$'\n'"$out"
  results=$(printf '%s\n' "$out" | sed -n 's/^BASH_JAVA_UTILS_EXEC_RESULT://p')
  n=$(printf '%s\n' "$results" | grep -c '' || true)
  [ -n "$results" ] || n=0
  if [ "$lines" != any ] && [ "$n" -ne "$lines" ]; then
    fk_fail "BashJavaUtils $cmd printed $n results, expected $lines:"$'\n'"$out"
  fi
  printf '%s\n' "$results"
}

# The configuration (config.yaml, or flink-conf.yaml on 1.x), flattened to `key: value` lines by
# Flink itself so that nested and flat YAML read the same.
FK_FLAT_CONF=
fk_conf() {
  local key=$1 value
  if [ -z "$FK_FLAT_CONF" ]; then
    FK_FLAT_CONF=$(fk_bash_java_utils UPDATE_AND_GET_FLINK_CONFIGURATION any -flatten)
    [ -n "$FK_FLAT_CONF" ] || FK_FLAT_CONF=' '
  fi
  value=$(printf '%s\n' "$FK_FLAT_CONF" | grep -F -- "$key: " | grep -m1 "^${key//./\\.}: " | cut -d' ' -f2- || true)
  # Drop the quotes YAML may keep around a string.
  value=${value#\"}; value=${value%\"}; value=${value#\'}; value=${value%\'}
  printf '%s' "$value"
}

# fk_java_opts ROLE (jobmanager | taskmanager): FLINK_ENV_JAVA_OPTS as Flink's config.sh composes it,
# default options then user options, for all processes then for ROLE. env.java.opts is the 1.x name
# of env.java.opts.all.
fk_java_opts() {
  local role=$1 default_all all
  default_all=$(fk_conf env.java.default-opts.all)
  all=$(fk_conf env.java.opts.all)
  [ -n "$all" ] || all=$(fk_conf env.java.opts)
  printf '%s %s %s %s %s' "${default_all:-$FK_DEFAULT_JAVA_OPTS}" "$all" \
    "$(fk_conf "env.java.default-opts.$role")" "$(fk_conf "env.java.opts.$role")" "${FLINK_ENV_JAVA_OPTS:-}"
}

# fk_exec ROLE NAME JVM_MEMORY CLASS [ARGS...]: replaces this shell with the Flink process. Logs go to
# the console (log4j-console.properties, which native mode mounts with the configuration); log.file
# is still set because Flink's web UI and some appenders expect it.
fk_exec() {
  local role=$1 name=$2 memory=$3 class=$4 opts log
  shift 4
  opts=$(fk_java_opts "$role")
  if ! { mkdir -p "$FLINK_LOG_DIR" && [ -w "$FLINK_LOG_DIR" ]; } 2>/dev/null; then
    FLINK_LOG_DIR=${TMPDIR:-/tmp}/flink-log
    mkdir -p "$FLINK_LOG_DIR"
    export FLINK_LOG_DIR
  fi
  log=$FLINK_LOG_DIR/flink-$(id -un 2>/dev/null || id -u)-$name-$(hostname).log
  echo "$(basename "$0"): starting $class with $memory" >&2
  # shellcheck disable=SC2086 # JVM_ARGS, the memory settings and the options are word lists, as in Flink's scripts.
  exec "$FK_JAVA" ${JVM_ARGS:-} $memory $opts \
    "-Dlog.file=$log" \
    "-Dlog4j.configuration=file:$FLINK_CONF_DIR/log4j-console.properties" \
    "-Dlog4j.configurationFile=file:$FLINK_CONF_DIR/log4j-console.properties" \
    "-Dlogback.configurationFile=file:$FLINK_CONF_DIR/logback-console.xml" \
    -classpath "$FK_CLASSPATH" "$class" "$@"
}
