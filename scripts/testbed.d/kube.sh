# shellcheck shell=bash
# Testbed component 'kube' (not yet built): see issue 3.
kube_up() { tb_fail kube "not implemented yet"; }
kube_down() { :; }
kube_status() { echo "kube: not implemented"; return 1; }
kube_env() { :; }
