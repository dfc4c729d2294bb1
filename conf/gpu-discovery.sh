#!/usr/bin/env bash
# Spark GPU discovery script (spark.{driver,executor}.resource.gpu.discoveryScript).
# Prints the GPUs this executor may use as Spark's ResourceInformation JSON:
#   {"name": "gpu", "addresses": ["GPU-8f0e...","GPU-1c2d..."]}
# With CUDA_VISIBLE_DEVICES set (YARN and Kubernetes GPU isolation, a wrapper), its entries are the
# addresses (indices or UUIDs, as set); otherwise every GPU nvidia-smi sees, by UUID: CUDA numbers a
# process's devices in its own order (fastest first, not nvidia-smi's PCI order), so an nvidia-smi index
# could name another GPU in the process, while a UUID names one GPU everywhere. The executor maps the
# address Spark assigns a task to its CUDA ordinal (io.lingspark.jobs.generate.GpuAddresses): the
# position in CUDA_VISIBLE_DEVICES, else the device with that UUID. It assumes an isolated container
# (every visible GPU belongs to this executor); on bare-metal standalone with several executors per
# host, let the Worker split GPUs instead (spark.worker.resource.gpu.*).
set -euo pipefail
if [[ -n "${CUDA_VISIBLE_DEVICES:-}" ]]; then
  # CUDA ignores the list from its first empty entry on; so does this.
  ADDRS=$(echo "$CUDA_VISIBLE_DEVICES" | tr ',' '\n' | sed -e 's/^ *//' -e 's/ *$//' | sed '/^$/,$d')
elif command -v nvidia-smi >/dev/null 2>&1; then
  ADDRS=$(nvidia-smi --query-gpu=uuid --format=csv,noheader)
else
  ADDRS=""
fi
JSON=$(echo "$ADDRS" | sed -e 's/^ *//' -e 's/ *$//' | sed '/^$/d' | sed -e 's/.*/"&"/' | paste -sd, -)
echo "{\"name\": \"gpu\", \"addresses\": [${JSON}]}"
