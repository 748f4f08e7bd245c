# shellcheck shell=bash
# Testbed component 'flink' (not yet built): see issue 3.
flink_up() { tb_fail flink "not implemented yet"; }
flink_down() { :; }
flink_status() { echo "flink: not implemented"; return 1; }
flink_env() { :; }
