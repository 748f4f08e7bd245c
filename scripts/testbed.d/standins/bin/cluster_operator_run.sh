#!/bin/sh
# STAND-IN for Strimzi's cluster_operator_run.sh: the stand-in operator (dev.flinkship.standins.StrimziOperator).
# Strimzi's Deployment gives 384Mi and a 1Mi /tmp: a small heap, no perf data file.
exec java -XX:-UsePerfData -Xmx192m -Djava.io.tmpdir=/tmp -Dlog4j.configuration=file:/opt/standins/log4j.properties \
  -cp "/opt/standins/classes:/opt/kafka/libs/*" dev.flinkship.standins.StrimziOperator
