#!/usr/bin/env bash
# Batch generation on Kubernetes with one NVIDIA GPU per executor pod.
#
# GPU confs:
#   spark.executor.resource.gpu.amount=1           the pod requests 1 GPU
#   spark.executor.resource.gpu.vendor=nvidia.com  becomes the pod limit nvidia.com/gpu: 1
#                                                  (needs the NVIDIA device plugin on the nodes)
#   spark.executor.resource.gpu.discoveryScript    must exist inside the image
#   spark.task.resource.gpu.amount=0.25            4 tasks per GPU, sharing one engine
# The image: the repository's Dockerfile (Spark 4.1, Scala 2.13, Java 17) with the shaded jar and conf/ under
# /opt/lingspark, and the model under /models (a PVC or a node-local hostPath).
set -euo pipefail
IMAGE="${IMAGE:-registry.example.com/lingspark:0.1.0}"
K8S="${K8S:-k8s://https://kubernetes.default.svc:443}"
DS="${DS:-$(date -u +%F)}"

"$SPARK_HOME/bin/spark-submit" \
  --master "$K8S" --deploy-mode cluster \
  --name "lingspark-generate-$DS" \
  --class io.lingspark.jobs.generate.GenerateJob \
  --conf spark.kubernetes.container.image="$IMAGE" \
  --conf spark.kubernetes.namespace=lingspark \
  --conf spark.kubernetes.authenticate.driver.serviceAccountName=spark \
  --conf spark.executor.instances=4 \
  --conf spark.executor.cores=4 \
  --conf spark.executor.memory=24g \
  --conf spark.executor.memoryOverhead=8g \
  --conf spark.executor.resource.gpu.amount=1 \
  --conf spark.executor.resource.gpu.vendor=nvidia.com \
  --conf spark.executor.resource.gpu.discoveryScript=/opt/lingspark/conf/gpu-discovery.sh \
  --conf spark.task.resource.gpu.amount=0.25 \
  --conf spark.kubernetes.executor.volumes.persistentVolumeClaim.models.options.claimName=ling-models \
  --conf spark.kubernetes.executor.volumes.persistentVolumeClaim.models.mount.path=/models \
  --conf spark.kubernetes.executor.volumes.persistentVolumeClaim.models.mount.readOnly=true \
  --conf spark.kubernetes.driver.volumes.persistentVolumeClaim.models.options.claimName=ling-models \
  --conf spark.kubernetes.driver.volumes.persistentVolumeClaim.models.mount.path=/models \
  --conf spark.kubernetes.driver.volumes.persistentVolumeClaim.models.mount.readOnly=true \
  --conf spark.submit.callSystemExitOnMainExit=true \
  --conf spark.driver.extraJavaOptions=-Dlog4j2.configurationFile=/opt/lingspark/conf/log4j2.properties \
  local:///opt/lingspark/lingspark-jobs-shaded.jar \
  --model /models/Ling-mini-2.0 \
  --input "s3a://datasets/prompts/ds=$DS/" --input-format parquet \
  --output "s3a://datasets/completions/ds=$DS" \
  --device auto --max-tokens 1024 --resume --retry-errors --max-error-rate 0.05
# Note: on S3 use the S3A committers (spark-hadoop-cloud: PathOutputCommitProtocol with the magic or
# staging committer); FileOutputCommitter's rename is not atomic there (spark-notes.md §4.1). On s3a://
# outputs each run is written into its own run_id=<run>/ folder, which those committers support (README:
# "Object stores"). Keep one writer per S3 output (Airflow: max_active_runs=1).
