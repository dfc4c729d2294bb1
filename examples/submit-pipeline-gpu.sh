#!/usr/bin/env bash
# Ling-1T (FP8) on YARN as pipelines of 16 stages: 2 executors (nodes) of 8 GPUs per pipeline,
# 8 stages each, linked over TCP. Plan it first, on any machine:
#   bin/lingspark plan --model "$MODEL" --pipeline-stages 16 --devices-per-executor 8 --device-memory 80GiB
#
# Pipeline confs:
#   spark.executor.resource.gpu.amount=8           one executor per node holds 8 stages on its 8 GPUs
#   spark.executor.cores=16                        each rank's task asks for all of them (a task
#                                                  resource profile), so one rank runs per executor
#   spark.dynamicAllocation.enabled=false          barrier stages refuse dynamic allocation
#   spark.barrier.sync.timeout=600s                a rank that never reaches the barrier fails the batch
#   --num-executors 4                              2 pipelines of 2 executors; rows are spread over them
#   --batch-rows 4096                              each batch is one barrier stage: a failure reruns it
#   --device-memory 80GiB                          the driver refuses a plan that does not fit, before
#                                                  any executor loads a byte
# The model directory must exist at the same path on every node; each rank reads only its stages'
# tensors (the shards that hold them).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
MODEL="${MODEL:-/models/Ling-1T-FP8}"
DS="${DS:-$(date -u +%F)}"
JAR="$(ls "$ROOT"/jobs/target/lingspark-jobs-*-shaded.jar | head -1)"

"$SPARK_HOME/bin/spark-submit" \
  --master yarn --deploy-mode cluster \
  --class io.lingspark.jobs.generate.GenerateJob \
  --num-executors 4 \
  --executor-cores 16 \
  --executor-memory 64g \
  --conf spark.executor.memoryOverhead=32g \
  --conf spark.executor.resource.gpu.amount=8 \
  --conf spark.executor.resource.gpu.discoveryScript=./gpu-discovery.sh \
  --conf spark.task.resource.gpu.amount=1 \
  --conf spark.dynamicAllocation.enabled=false \
  --conf spark.barrier.sync.timeout=600s \
  --conf spark.submit.callSystemExitOnMainExit=true \
  --conf spark.task.reaper.enabled=true \
  --files "$ROOT/conf/gpu-discovery.sh,$ROOT/conf/log4j2.properties" \
  --conf spark.driver.extraJavaOptions=-Dlog4j2.configurationFile=log4j2.properties \
  --conf spark.executor.extraJavaOptions=-Dlog4j2.configurationFile=log4j2.properties \
  "$JAR" \
  --model "$MODEL" \
  --input "hdfs:///data/prompts/ds=$DS" --input-format parquet \
  --output "hdfs:///data/completions-1t/ds=$DS" \
  --device cuda --pipeline-stages 16 --stages-per-executor 8 --device-memory 80GiB --batch-rows 4096 \
  --max-tokens 1024 --temperature 0.7 --seed 20261122 --max-error-rate 0.05 --resume --retry-errors
