# Shared helpers for the testbed components. Sourced, not run.
# shellcheck shell=bash
TB_HOME=${FLINKSHIP_TESTBED_HOME:-$HOME/.cache/flinkship-testbed}
# Run state (pid files, logs, generated configs) for the current `up`; caches live beside it in $TB_HOME.
TB_RUN=$TB_HOME/run
export TB_HOME TB_RUN

tb_log() { printf '[testbed %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

# tb_fail COMPONENT MESSAGE [LOGFILE]: name the component, show the tail of its log, exit 1.
tb_fail() {
  local comp=$1 msg=$2 logf=${3:-$TB_RUN/$1.log}
  echo "testbed: component '$comp' failed: $msg" >&2
  if [ -f "$logf" ]; then
    echo "--- last 40 lines of $logf ---" >&2
    tail -n 40 "$logf" >&2
  fi
  exit 1
}

# tb_start NAME LOGFILE CMD...: start CMD in the background, detached, recording its pid in
# $TB_RUN/NAME.pid and the process's start time (from /proc) in $TB_RUN/NAME.start.
tb_start() {
  local name=$1 logf=$2
  shift 2
  mkdir -p "$TB_RUN"
  setsid "$@" >>"$logf" 2>&1 </dev/null &
  echo $! >"$TB_RUN/$name.pid"
  _tb_starttime $! >"$TB_RUN/$name.start" || rm -f "$TB_RUN/$name.start"
}

# The kernel's start time of a process (field 22 of /proc/PID/stat): with the pid, it names one process.
_tb_starttime() {
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  # The command name (field 2) may hold spaces; count fields after its closing parenthesis.
  stat=${stat##*) }
  awk '{print $20}' <<<"$stat"
}

# tb_running NAME: the process recorded for NAME is alive, and is the one we started, not a later
# process that was given the same pid after ours ended (a machine restart, a session that was stopped).
tb_running() {
  local pidf=$TB_RUN/$1.pid startf=$TB_RUN/$1.start pid
  [ -f "$pidf" ] || return 1
  pid=$(cat "$pidf")
  kill -0 "$pid" 2>/dev/null || return 1
  [ -f "$startf" ] || return 0
  [ "$(_tb_starttime "$pid")" = "$(cat "$startf")" ]
}

# tb_stop NAME: stop the process recorded for NAME (TERM, then KILL after 10 s) and remove its pid file.
# A pid file whose process is gone, or now belongs to another process, is only removed: we end only
# processes we started.
tb_stop() {
  local pidf=$TB_RUN/$1.pid pid i
  [ -f "$pidf" ] || return 0
  pid=$(cat "$pidf")
  if tb_running "$1"; then
    kill "$pid" 2>/dev/null || true
    for i in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$pidf" "$TB_RUN/$1.start"
}

# tb_wait_until DESCRIPTION TIMEOUT_SECONDS CMD...: poll CMD every 0.5 s until it succeeds; bounded.
tb_wait_until() {
  local desc=$1 timeout=$2 start now
  shift 2
  start=$(date +%s)
  while true; do
    if "$@" >/dev/null 2>&1; then return 0; fi
    now=$(date +%s)
    if (( now - start >= timeout )); then
      tb_log "timed out after ${timeout}s waiting for $desc"
      return 1
    fi
    sleep 0.5
  done
}

# tb_apt_install PKG...: install Debian packages that are missing (apt-get update once per run).
tb_apt_install() {
  local missing=() p
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  tb_log "apt-get install ${missing[*]}"
  if [ ! -f "$TB_RUN/.apt-updated" ]; then
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 update -qq >&2 && mkdir -p "$TB_RUN" && touch "$TB_RUN/.apt-updated"
  fi
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends "${missing[@]}" >&2
}
