#!/usr/bin/env bash
# Every GPU check in one call on a GPU machine without Java (device time is scarce): the parity suite
# (kernels vs the CPU backend, including device sampling; the fixtures; the engine preempting on a
# full GPU cache), the benchmark and the per-op profile, each under its own time limit, each writing
# its JSON (and log) to OUT. The harnesses live in the engine's tests jar. Usage, from the repository
# root, after building the bundle as engine/src/main/cuda/README.md says:
#   engine/src/main/cuda/device-check.sh [BUNDLE=gpu-bundle] [OUT=${OUT:-out}]
# Exit status: that of the parity suite (0 = every kernel and fixture within its limits).
set -uo pipefail
B="${1:-gpu-bundle}"
OUT="${2:-${OUT:-out}}"
mkdir -p "$OUT"
run() { # name, seconds, main class and arguments
  local name="$1" secs="$2"; shift 2
  echo "== $name" >&2
  timeout "$secs" "$B/java" -cp "$B/lib/*" "$@" > "$OUT/$name.json" 2> "$OUT/$name.log"
  local rc=$?
  echo "== $name exit $rc" >&2
  tail -n 3 "$OUT/$name.log" >&2
  return $rc
}
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader > "$OUT/gpu.txt" 2>&1
run selftest 240 io.lingspark.engine.backend.cuda.CudaSelfTest engine/src/test/resources/fixtures/ling-v2
PARITY=$?
run bench 180 io.lingspark.engine.cli.EngineCli bench --device cuda --preset ling-mini-2.0 --random-weights \
  --prompt-len 1024 --context 1024 --batches 1,16,64,256 --decode-steps 32
run bench-device-sampling 120 -Dlingspark.cuda.deviceSampling=true io.lingspark.engine.cli.EngineCli bench --device cuda \
  --preset ling-mini-2.0 --random-weights --prompt-len 256 --context 256 --batches 1,64 --decode-steps 32 \
  --temperature 0.8 --top-p 0.95
run opbench 120 io.lingspark.engine.backend.cuda.CudaOpBench
exit $PARITY
