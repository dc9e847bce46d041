#!/usr/bin/env bash
# TorchSharp's native shim (libLibTorchSharp.so) against the host's libtorch: checks that every symbol it needs
# resolves there (ldd -r), and where one does not, rebuilds the shim from TorchSharp's own C++ source for that
# libtorch (the headers under torch/include, the host's C++ compiler, one job per core), keeping the NuGet one
# beside it. PyTorch's minor versions change C++ signatures, so a shim built for libtorch 2.10 may not load on a
# pip PyTorch 2.11; the rebuilt one does. The GPU bundle runs this before its first start (scripts/gpu-bundle.sh).
# Usage: gpu-shim.sh APP_DIR TORCH_LIB [SHIM_SOURCE]
#   APP_DIR      the folder holding libLibTorchSharp.so (replaced in place when rebuilt)
#   TORCH_LIB    the host's torch/lib (libtorch.so, libc10.so); its headers are in TORCH_LIB/../include
#   SHIM_SOURCE  TorchSharp's src/Native (LibTorchSharp/, Stdafx.h, UnixSal.h) at the version of the NuGet package;
#                default APP_DIR/../shim-src
# Prints one line: "shim: links" / "shim: rebuilt for <libtorch> in N s (M symbols were missing)"; exit 1 with the
# reason when the shim neither links nor can be rebuilt. A marker beside the shim makes later calls instant.
# Time: seconds when every symbol resolves; a rebuild of the shim takes minutes on the GPU host (16 cores). Not run on the CPU machines.
set -euo pipefail
app=$(cd "$1" && pwd)
lib=$(cd "$2" && pwd)
src=${3:-$app/../shim-src}
shim="$app/libLibTorchSharp.so"
marker="$app/.shim-checked-$(echo "$lib" | cksum | cut -d' ' -f1)"
[ -f "$marker" ] && { cat "$marker"; exit 0; }
[ -f "$shim" ] || { echo "shim: $shim is missing" >&2; exit 1; }

unresolved() { # the shim's symbols that the host libtorch lacks (GLIBCXX_3.4.32 is a marker src/Build patches away)
    LD_LIBRARY_PATH="$app:$lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" ldd -r "$shim" 2>&1 \
        | grep -E 'not found|undefined symbol' | grep -v 'GLIBCXX_3.4.32' || true
}
missing=$(unresolved)
if [ -z "$missing" ]; then
    echo "shim: links" | tee "$marker"
    exit 0
fi
count=$(echo "$missing" | wc -l)
echo "shim: $count symbol(s) of $shim unresolved against $lib, e.g.:" >&2
echo "$missing" | head -n 5 | sed -E 's/.*undefined symbol: ([^ ]*).*/\1/' | (command -v c++filt > /dev/null && c++filt || cat) | sed 's/^/  /' >&2
[ -d "$src/LibTorchSharp" ] || { echo "shim: cannot rebuild: no TorchSharp source at $src (gpu-bundle.sh --shim-source)" >&2; exit 1; }
[ -d "$lib/../include/torch" ] || { echo "shim: cannot rebuild: no libtorch headers at $lib/../include" >&2; exit 1; }
command -v g++ > /dev/null || { echo "shim: cannot rebuild: no g++" >&2; exit 1; }

start=$SECONDS
build="$app/../shim-build" # kept: each file's compiler log is there when one fails
rm -rf "$build"
mkdir -p "$build"
build=$(cd "$build" && pwd)
include=$(cd "$lib/../include" && pwd)
# libtorch's C++ ABI flag, read from the library itself (pip wheels since 2.7 use the new ABI).
abi=1
if ! nm -D --defined-only "$lib/libc10.so" 2> /dev/null | grep -q '__cxx11'; then abi=0; fi
flags=(-std=c++17 -O2 -fPIC -w -DNDEBUG -D_GLIBCXX_USE_CXX11_ABI=$abi -I"$src" -I"$src/LibTorchSharp" -I"$include" -I"$include/torch/csrc/api/include")
echo "shim: rebuilding from $src with $(g++ --version | head -n 1) ($(nproc) jobs) ..." >&2
export build
# Every file is compiled even after one fails, so that one attempt names every incompatibility.
if ! printf '%s\n' "$src"/LibTorchSharp/*.cpp | xargs -P "$(nproc)" -I{} sh -c 'g++ "$@" -c "{}" -o "$build/$(basename "{}" .cpp).o" 2> "$build/$(basename "{}" .cpp).log"' _ "${flags[@]}"; then
    for f in "$src"/LibTorchSharp/*.cpp; do
        name=$(basename "$f" .cpp)
        [ -f "$build/$name.o" ] && continue
        echo "shim: compiling $name.cpp failed ($(grep -c 'error' "$build/$name.log") error lines; $build/$name.log):" >&2
        grep -m 6 -A 2 'error' "$build/$name.log" | cut -c 1-400 >&2
    done
    exit 1
fi
gcc -O2 -fPIC -w -c "$src/LibTorchSharp/crc32c.c" -o "$build/crc32c.o"
g++ -shared -o "$build/libLibTorchSharp.so" "$build"/*.o -L"$lib" -Wl,-rpath,'$ORIGIN' -ltorch -ltorch_cpu -lc10
[ -f "$app/libLibTorchSharp.so.nuget" ] || cp "$shim" "$app/libLibTorchSharp.so.nuget"
cp "$build/libLibTorchSharp.so" "$shim"
left=$(unresolved)
[ -z "$left" ] || { echo "shim: the rebuilt shim still misses: $(echo "$left" | head -n 3)" >&2; exit 1; }
echo "shim: rebuilt for $lib in $((SECONDS - start)) s ($count symbols were missing)" | tee "$marker"
