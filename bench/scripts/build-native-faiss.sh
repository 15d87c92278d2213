#!/usr/bin/env bash
# Builds FAISS for this CPU (Debian's source of python3-faiss, AVX2 code plus -O3 -march=native)
# into a Python package directory, the peer the sweep's --peers faiss should be measured against:
# Debian's python3-faiss is a generic build without SIMD code, several times slower.
#
#   bench/scripts/build-native-faiss.sh [OUT_DIR]        (default: ~/.cache/quiver/faiss-native)
#   PYTHONPATH=OUT_DIR ./quiver sweep ... --peers faiss  (the peer's log names the FAISS it loaded)
#
# Needs deb-src entries for apt (the script adds them for Debian's deb822 sources when missing),
# and the packages cmake, g++, swig, libopenblas-dev, python3-dev, python3-numpy.
# About 20 minutes on 2 cores.
set -euo pipefail

out=${1:-$HOME/.cache/quiver/faiss-native}
work=$(mktemp -d "${TMPDIR:-/tmp}/faiss-build.XXXXXX")
trap 'rm -rf "$work"' EXIT

need() { command -v "$1" >/dev/null || { echo "build-native-faiss: $1 is missing (apt-get install $2)" >&2; exit 1; }; }
need cmake cmake
need g++ g++
need swig swig
need dpkg-source dpkg-dev
[ -e /usr/include/x86_64-linux-gnu/openblas-pthread/cblas.h ] || [ -e /usr/include/openblas/cblas.h ] \
  || ls /usr/include/*/cblas.h >/dev/null 2>&1 || { echo "build-native-faiss: OpenBLAS headers are missing (apt-get install libopenblas-dev)" >&2; exit 1; }

if ! grep -rqs "deb-src" /etc/apt/sources.list /etc/apt/sources.list.d/; then
  src=/etc/apt/sources.list.d/debian.sources
  [ -f "$src" ] || { echo "build-native-faiss: no deb-src entry and no $src to derive one from" >&2; exit 1; }
  sed 's/^Types: deb$/Types: deb-src/' "$src" > /etc/apt/sources.list.d/debian-src.sources
  apt-get update -qq
fi

cd "$work"
apt-get source -qq faiss
dir=$(find . -maxdepth 1 -type d -name 'faiss-*' | head -1)
cd "$dir"   # apt-get source has applied Debian's patches (forced inlining of the SIMD helpers among them)

cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DFAISS_ENABLE_GPU=OFF -DFAISS_ENABLE_PYTHON=ON \
  -DFAISS_OPT_LEVEL=avx2 -DBUILD_TESTING=OFF -DBLA_VENDOR=OpenBLAS -DCMAKE_CXX_FLAGS="-O3 -march=native" \
  -DPython_EXECUTABLE=/usr/bin/python3 > "$work/cmake.log"
make -C build -j"$(nproc)" swigfaiss_avx2 > "$work/make.log"

mkdir -p "$out/faiss"
py=build/faiss/python
cp -r "$py"/__init__.py "$py"/loader.py "$py"/*wrappers.py "$py"/array_conversions.py "$py"/swigfaiss_avx2.py \
  "$py"/_swigfaiss_avx2.so "$py"/contrib "$out/faiss/"
PYTHONPATH="$out" /usr/bin/python3 -c "import faiss; assert hasattr(faiss, 'swigfaiss_avx2'); print('FAISS', faiss.__version__, 'for this CPU in', '$out')"
