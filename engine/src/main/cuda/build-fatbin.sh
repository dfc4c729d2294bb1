#!/usr/bin/env bash
# Compiles lingspark.cu (which includes every kernel file) into one fatbin for the GPUs the engine
# supports: SASS for sm_80 (A100), sm_86 (A10/RTX 30), sm_89 (L4/L40/RTX 40), sm_90a (H100/H200),
# plus compute_80 PTX that newer GPUs JIT-compile. Called by the engine pom's `cuda-kernels` profile.
#
#   build-fatbin.sh OUT.fatbin [GENCODES]     GENCODES: e.g. "arch=compute_90a,code=sm_90a" (';'-separated)
#
# Cheap for CI: the fatbin is cached by the SHA-256 of the sources and flags in
# ${LINGSPARK_FATBIN_CACHE:-~/.cache/lingspark}, so `mvn clean` does not recompile unchanged kernels.
# Without nvcc it prints a notice and succeeds: the CUDA backend then reports the missing kernels.
set -euo pipefail
out=${1:?usage: build-fatbin.sh OUT.fatbin [GENCODES]}
here=$(cd "$(dirname "$0")" && pwd)
default="arch=compute_80,code=sm_80;arch=compute_86,code=sm_86;arch=compute_89,code=sm_89;arch=compute_90a,code=sm_90a;arch=compute_80,code=compute_80"
gencodes=${2:-$default}
[[ -z $gencodes || $gencodes == default ]] && gencodes=$default
nvcc=""
for c in "${NVCC:-}" "${CUDA_HOME:+$CUDA_HOME/bin/nvcc}" "$(command -v nvcc || true)" /usr/local/cuda/bin/nvcc; do
  if [[ -n $c && -x $c ]]; then nvcc=$c; break; fi
done
if [[ -z $nvcc ]]; then
  echo "[lingspark] nvcc not found: CUDA kernels not built (the CUDA backend will say so)"
  exit 0
fi
flags=(-fatbin -O3 -std=c++17 --threads 2 -lineinfo)
IFS=';' read -ra gcs <<< "$gencodes"
for g in "${gcs[@]}"; do flags+=(-gencode "$g"); done
key=$( { cat "$here"/*.cu "$here"/*.cuh; echo "${flags[*]}"; "$nvcc" --version | tail -1; } | sha256sum | cut -c1-16)
cache=${LINGSPARK_FATBIN_CACHE:-$HOME/.cache/lingspark}
mkdir -p "$(dirname "$out")" "$cache"
if [[ -f $cache/lingspark-$key.fatbin ]]; then
  cp "$cache/lingspark-$key.fatbin" "$out"
  echo "[lingspark] fatbin up to date ($key, cached)"
  exit 0
fi
start=$(date +%s)
"$nvcc" "${flags[@]}" -o "$out.tmp" "$here/lingspark.cu"
mv "$out.tmp" "$out"
cp "$out" "$cache/lingspark-$key.fatbin.tmp" && mv "$cache/lingspark-$key.fatbin.tmp" "$cache/lingspark-$key.fatbin"
echo "[lingspark] nvcc built $(basename "$out") ($(stat -c %s "$out") bytes, ${#gcs[@]} targets) in $(( $(date +%s) - start ))s"
