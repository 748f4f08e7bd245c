# shellcheck shell=bash
# Testbed component 'docker' (not yet built): see issue 3.
docker_up() { tb_fail docker "not implemented yet"; }
docker_down() { :; }
docker_status() { echo "docker: not implemented"; return 1; }
docker_env() { :; }
