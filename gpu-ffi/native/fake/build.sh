#!/bin/sh
# Builds the CPU stand-in for a CUDA device (fake_cuda.cpp) into the directory given as $1, for
# the device tests' fake-device run. Needs a C++17 compiler ($CXX or g++); without one it says
# so and succeeds, and those tests skip.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out_dir=$1
cxx=${CXX:-g++}
if ! command -v "$cxx" >/dev/null 2>&1; then
  echo "[gpu-ffi] $cxx not found: the fake-device tests will skip"
  exit 0
fi
mkdir -p "$out_dir"
# -ffast-math lets the dot products vectorise; the tests' tolerance is 1e-4 relative.
"$cxx" -std=c++17 -O3 -ffast-math -fPIC -shared -fvisibility=hidden -Wall \
  -o "$out_dir/libquiver_fake_cuda.so" "$here/fake_cuda.cpp"
