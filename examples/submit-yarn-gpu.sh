#!/usr/bin/env bash
# Batch generation on YARN with one GPU per executor.
#
# GPU confs:
#   spark.executor.resource.gpu.amount=1            each executor container gets one GPU (YARN GPU
#                                                   isolation must be on: yarn.io/gpu resource type)
#   spark.executor.resource.gpu.discoveryScript     tells Spark which GPU address it got
#   spark.task.resource.gpu.amount=0.25             4 tasks share the GPU; they all feed the
#                                                   executor's single engine (one continuous batch)
#   spark.executor.cores=4                          = 1 / task.gpu.amount, so no core idles
# The model directory must exist at the same path on every node (node-local disk or a shared
# mount): each executor memory-maps it once; it is never shipped through Spark.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
MODEL="${MODEL:-/models/Ling-mini-2.0}"
DS="${DS:-$(date -u +%F)}"
JAR="$(ls "$ROOT"/jobs/target/lingspark-jobs-*-shaded.jar | head -1)"

"$SPARK_HOME/bin/spark-submit" \
  --master yarn --deploy-mode cluster \
  --class io.lingspark.jobs.generate.GenerateJob \
  --num-executors 8 \
  --executor-cores 4 \
  --executor-memory 24g \
  --conf spark.executor.memoryOverhead=8g \
  --conf spark.executor.resource.gpu.amount=1 \
  --conf spark.executor.resource.gpu.discoveryScript=./gpu-discovery.sh \
  --conf spark.task.resource.gpu.amount=0.25 \
  --conf spark.dynamicAllocation.enabled=false \
  --conf spark.submit.callSystemExitOnMainExit=true \
  --conf spark.task.reaper.enabled=true \
  --files "$ROOT/conf/gpu-discovery.sh,$ROOT/conf/log4j2.properties" \
  --conf spark.driver.extraJavaOptions=-Dlog4j2.configurationFile=log4j2.properties \
  --conf spark.executor.extraJavaOptions=-Dlog4j2.configurationFile=log4j2.properties \
  "$JAR" \
  --model "$MODEL" \
  --input "hdfs:///data/prompts/ds=$DS" --input-format parquet \
  --output "hdfs:///data/completions/ds=$DS" \
  --device auto --max-tokens 1024 --temperature 0.7 --seed 20261122 \
  --max-error-rate 0.05 --resume --retry-errors --keep-columns source,lang
