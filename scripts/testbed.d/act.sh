# shellcheck shell=bash
# act: GitHub Actions' workflow runner, built from the Go module proxy (no release download reaches
# this machine). The reusable workflows run under it in host mode against the other components and the
# GitHub API stand-in. Cached by version; nothing runs until a test starts it.
ACT_TB_VERSION=v0.2.89
ACT_TB_DIR=$TB_HOME/act/$ACT_TB_VERSION

_act_bin() { echo "$ACT_TB_DIR/act"; }

act_up() {
  # What the workflows' steps run on the host (host mode): git, and zip and curl for the stand-in
  # upload-artifact action.
  tb_apt_install git zip curl || tb_fail act "cannot install git, zip and curl"
  [ -x "$(_act_bin)" ] && return 0
  command -v go >/dev/null || tb_fail act "no go on PATH (act is built from the Go module proxy)"
  mkdir -p "$ACT_TB_DIR"
  tb_log "act: building github.com/nektos/act@$ACT_TB_VERSION (go install)"
  GOBIN="$ACT_TB_DIR" GOFLAGS=-mod=mod go install "github.com/nektos/act@$ACT_TB_VERSION" \
    >"$ACT_TB_DIR/build.log" 2>&1 || tb_fail act "go install failed" "$ACT_TB_DIR/build.log"
}

act_down() { :; }

act_status() {
  if [ -x "$(_act_bin)" ]; then echo "act: $("$(_act_bin)" --version)"; else echo "act: not built"; return 1; fi
}

act_env() {
  echo "export FLINKSHIP_TESTBED_ACT=$(_act_bin)"
}
