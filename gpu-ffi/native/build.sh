#!/bin/sh
# Builds libquiver_gpu.so from quiver_gpu.cu into the directory given as $1, when nvcc is present.
# Without nvcc it says so and succeeds: Quiver then runs its towers on the CPU.
# Code: sm_90 (Hopper) as machine code, plus PTX for compute_90 and compute_75 so that other GPUs
# (Turing and later, the oldest CUDA 13 supports) JIT-compile it on first load.
set -eu
src_dir=$(cd "$(dirname "$0")" && pwd)
out_dir=$1
lib="$out_dir/libquiver_gpu.so"
src="$src_dir/quiver_gpu.cu"

nvcc=${NVCC:-}
if [ -z "$nvcc" ]; then
  nvcc=$(command -v nvcc 2>/dev/null || true)
fi
if [ -z "$nvcc" ] && [ -x "${CUDA_HOME:-/usr/local/cuda}/bin/nvcc" ]; then
  nvcc="${CUDA_HOME:-/usr/local/cuda}/bin/nvcc"
fi
if [ -z "$nvcc" ]; then
  echo "[gpu-ffi] nvcc not found (PATH, \$NVCC, \$CUDA_HOME): libquiver_gpu.so is not built; GPU inference will be unavailable"
  exit 0
fi
if [ -f "$lib" ] && [ "$lib" -nt "$src" ] && [ "$lib" -nt "$0" ]; then
  echo "[gpu-ffi] $lib is up to date"
  exit 0
fi

cuda_home=${CUDA_HOME:-/usr/local/cuda}
rpath=""
if [ -d "$cuda_home/lib64" ]; then
  rpath="-Xlinker -rpath -Xlinker $cuda_home/lib64"
fi
mkdir -p "$out_dir"
echo "[gpu-ffi] $nvcc: building $lib (sm_90, PTX compute_90 and compute_75)"
# shellcheck disable=SC2086
"$nvcc" -O3 -std=c++17 -shared -Xcompiler -fPIC,-fvisibility=hidden -cudart shared $rpath \
  -gencode arch=compute_90,code=sm_90 \
  -gencode arch=compute_90,code=compute_90 \
  -gencode arch=compute_75,code=compute_75 \
  -o "$lib.tmp" "$src"
mv "$lib.tmp" "$lib"
