#!/bin/sh
# Compiles and runs kernel_emulation.cpp (quiver_gpu.cu's kernels on the CPU, against a
# double-precision reference) into the directory given as $1. Needs a C++20 compiler
# ($CXX or g++); without one it says so and succeeds.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out_dir=$1
cxx=${CXX:-g++}
if ! command -v "$cxx" >/dev/null 2>&1; then
  echo "[gpu-ffi] $cxx not found: kernel emulation skipped"
  exit 0
fi
mkdir -p "$out_dir"
"$cxx" -std=c++20 -O1 -pthread -Wall -Wno-unknown-pragmas -o "$out_dir/kernel_emulation" "$here/kernel_emulation.cpp"
"$out_dir/kernel_emulation"
