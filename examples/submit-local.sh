#!/usr/bin/env bash
# Batch generation on one machine with spark-submit (local mode, CPU or the machine's GPU).
# Needs SPARK_HOME (Spark 4.1.x, Scala 2.13) and the shaded jar (./mvnw -DskipTests package).
# Usage: examples/submit-local.sh /models/Ling-mini-2.0 [input] [output]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
MODEL="${1:?model directory}"
INPUT="${2:-$ROOT/examples/prompts.jsonl}"
OUTPUT="${3:-/tmp/lingspark-out}"
JAR="$(ls "$ROOT"/jobs/target/lingspark-jobs-*-shaded.jar | head -1)"

"$SPARK_HOME/bin/spark-submit" \
  --master 'local[*]' \
  --class io.lingspark.jobs.generate.GenerateJob \
  --driver-memory 8g \
  --driver-java-options "-Dlog4j2.configurationFile=$ROOT/conf/log4j2.properties" \
  --conf spark.submit.callSystemExitOnMainExit=true \
  --conf spark.lingspark.max-tokens=256 \
  "$JAR" \
  --model "$MODEL" --input "$INPUT" --output "$OUTPUT" \
  --device auto --temperature 0.7 --seed 1234 \
  --status-file /tmp/lingspark-status.json --resume
