#!/usr/bin/env bash
# Entrypoint of the testbed's stand-in Flink image. The official image's entrypoint starts
# JobManagers and TaskManagers; no Flink process can run from this image (kwok nodes run no
# containers), so this one only runs commands: `flink ...` or any other program, as the current user.
set -euo pipefail
if [ $# -eq 0 ] || [ "$1" = help ]; then
  echo "flinkship-testbed/flink: a stand-in Flink image with the Flink client only."
  echo "usage: docker run <image> flink <args>   (or any command)"
  exit 0
fi
exec "$@"
