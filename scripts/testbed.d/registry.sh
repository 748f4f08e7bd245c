# shellcheck shell=bash
# Testbed component 'registry' (not yet built): see issue 3.
registry_up() { tb_fail registry "not implemented yet"; }
registry_down() { :; }
registry_status() { echo "registry: not implemented"; return 1; }
registry_env() { :; }
