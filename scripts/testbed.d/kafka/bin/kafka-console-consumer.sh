#!/usr/bin/env bash
# The distribution's console consumer, at the path Strimzi's Kafka image has it
# (/opt/kafka/bin/kafka-console-consumer.sh), so a smoke test's consumer pod runs here as it runs there.
exec "$(dirname "$0")/kafka-class" kafka.tools.ConsoleConsumer "$@"
