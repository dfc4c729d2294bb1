#!/usr/bin/env bash
# Spark GPU discovery script (spark.{driver,executor}.resource.gpu.discoveryScript).
# Prints the GPUs this executor may use as Spark's ResourceInformation JSON:
#   {"name": "gpu", "addresses": ["0","1"]}
# It lists every GPU nvidia-smi sees, so it assumes an isolated container (YARN with GPU isolation,
# Kubernetes): every visible GPU belongs to this executor. On bare-metal standalone with several
# executors per host, let the Worker split GPUs instead (spark.worker.resource.gpu.*).
# CUDA_VISIBLE_DEVICES, when set, narrows the list (its entries are what the process may use).
set -euo pipefail
if [[ -n "${CUDA_VISIBLE_DEVICES:-}" ]]; then
  ADDRS=$(echo "$CUDA_VISIBLE_DEVICES" | tr ',' '\n' | sed '/^$/d')
elif command -v nvidia-smi >/dev/null 2>&1; then
  ADDRS=$(nvidia-smi --query-gpu=index --format=csv,noheader)
else
  ADDRS=""
fi
JSON=$(echo "$ADDRS" | sed '/^$/d' | sed -e 's/^ *//' -e 's/.*/"&"/' | paste -sd, -)
echo "{\"name\": \"gpu\", \"addresses\": [${JSON}]}"
