# shellcheck shell=bash
# check-jsonschema (PyPI): a JSON Schema validator independent of the one the CLI uses (ajv), run by
# test/integration/schema-agreement.test.ts over the spec corpus to show where the schema and the CLI
# agree. Cached by version in a virtualenv; nothing runs until a test starts it.
JSONSCHEMA_TB_VERSION=0.33.0
JSONSCHEMA_TB_DIR=$TB_HOME/check-jsonschema/$JSONSCHEMA_TB_VERSION

jsonschema_up() {
  [ -x "$JSONSCHEMA_TB_DIR/bin/check-jsonschema" ] && return 0
  python3 -m venv --help >/dev/null 2>&1 && python3 -c 'import ensurepip' 2>/dev/null || tb_apt_install python3-venv ||
    tb_fail jsonschema "cannot install python3-venv"
  tb_log "jsonschema: installing check-jsonschema $JSONSCHEMA_TB_VERSION from PyPI"
  rm -rf "$JSONSCHEMA_TB_DIR.tmp"
  { python3 -m venv "$JSONSCHEMA_TB_DIR.tmp" &&
    "$JSONSCHEMA_TB_DIR.tmp/bin/pip" install -q "check-jsonschema==$JSONSCHEMA_TB_VERSION"; } >"$TB_RUN/jsonschema-install.log" 2>&1 ||
    tb_fail jsonschema "pip install check-jsonschema failed" "$TB_RUN/jsonschema-install.log"
  rm -rf "$JSONSCHEMA_TB_DIR"
  mv "$JSONSCHEMA_TB_DIR.tmp" "$JSONSCHEMA_TB_DIR"
  # A venv records its own path: rebuild the entry point's shebang for the final place.
  sed -i "1s|.*|#!$JSONSCHEMA_TB_DIR/bin/python3|" "$JSONSCHEMA_TB_DIR/bin/check-jsonschema"
}

jsonschema_down() { :; }

jsonschema_status() {
  if [ -x "$JSONSCHEMA_TB_DIR/bin/check-jsonschema" ]; then
    echo "jsonschema: $("$JSONSCHEMA_TB_DIR/bin/check-jsonschema" --version)"
  else
    echo "jsonschema: not installed"
    return 1
  fi
}

jsonschema_env() {
  echo "export FLINKSHIP_TESTBED_CHECK_JSONSCHEMA=$JSONSCHEMA_TB_DIR/bin/check-jsonschema"
}
