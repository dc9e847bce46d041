#!/usr/bin/env bash
# Makes a folder that runs rho1 on a GPU host that has PyTorch but neither the .NET SDK nor TorchSharp's CUDA
# package (e.g. a borrowed H100 with pip PyTorch, no network): a framework-dependent publish built with
# -p:TorchBackend=host (TorchSharp's managed code and native shim, no libtorch), the .NET runtime packed as
# tar.xz, the presets, gpu-check.sh and gpu-profile.sh, and a launcher `rho1` that unpacks the runtime on first use and points the
# loader at the host's libtorch (python3 -c 'import torch' ... /lib, or $RHO1_TORCH_LIB).
# With --shim-source, TorchSharp's native C++ source goes in too (shim-src/, MIT), and the launcher rebuilds the native
# shim for the host's libtorch when the NuGet one does not link there (scripts/gpu-shim.sh; PyTorch's minor versions
# change C++ signatures). SOURCE is a TorchSharp checkout or bare git repository at the TorchSharp package's version
# (0.107.0: commit c20b6a1c of github.com/dotnet/TorchSharp).
# Usage: scripts/gpu-bundle.sh [--shim-source SOURCE] [OUT]     (default artifacts/gpu-bundle; prints its size,
#        refuses over 60 MiB)
# Time: 50 s on 2 vCPUs (2026-12-07; a publish and the runtime packed); gpu-shim.sh adds its rebuild on the GPU host when one is needed.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
shim_source=""
if [ "${1:-}" = --shim-source ]; then shim_source=$2; shift 2; fi
out=$(realpath -m "${1:-$repo/artifacts/gpu-bundle}")
limit_mib=60

dotnet_root=$(dirname "$(readlink -f "$(command -v dotnet)")")
runtime=$(ls -d "$dotnet_root"/shared/Microsoft.NETCore.App/10.* | sort -V | tail -n 1)
[ -d "$runtime" ] || { echo "gpu-bundle: no .NET 10 runtime under $dotnet_root/shared" >&2; exit 2; }

# Publish from a copy, so that the host-backend restore does not replace this tree's obj/ (whose CPU restore the
# normal build and tests use).
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
tar -C "$repo" --exclude=bin --exclude=obj -cf - src configs Directory.Build.props Directory.Build.targets Directory.Packages.props global.json \
    | tar -C "$work" -xf -
echo "gpu-bundle: publishing (TorchBackend=host) ..." >&2
dotnet publish "$work/src/Rho1.Cli" -c Release -r linux-x64 --self-contained false -p:TorchBackend=host \
    -o "$work/app" -nologo -v q >&2

rm -rf "$out"
mkdir -p "$out"
cp -r "$work/app" "$out/app"
rm -f "$out/app"/*.pdb
echo "gpu-bundle: packing the .NET runtime $(basename "$runtime") ..." >&2
tar -C "$dotnet_root" -cJf "$out/dotnet-runtime.tar.xz" dotnet host "shared/Microsoft.NETCore.App/$(basename "$runtime")"
cp "$repo/scripts/gpu-check.sh" "$out/gpu-check.sh"
cp "$repo/scripts/gpu-profile.sh" "$out/gpu-profile.sh"
cp "$repo/scripts/gpu-shim.sh" "$out/shim.sh"
cp "$repo/scripts/lib/torch-paths.sh" "$out/torch-paths.sh"
if [ -n "$shim_source" ]; then
    mkdir -p "$out/shim-src"
    if [ -d "$shim_source/src/Native/LibTorchSharp" ]; then
        tar -C "$shim_source" -cf - src/Native/Stdafx.h src/Native/UnixSal.h src/Native/LibTorchSharp LICENSE.txt | tar -C "$work" -xf -
    elif git --git-dir "$shim_source" rev-parse --verify -q HEAD > /dev/null; then
        git --git-dir "$shim_source" archive HEAD src/Native/Stdafx.h src/Native/UnixSal.h src/Native/LibTorchSharp LICENSE.txt | tar -C "$work" -xf -
    else
        echo "gpu-bundle: --shim-source $shim_source is neither a TorchSharp checkout nor its git repository" >&2; exit 2
    fi
    cp -r "$work/src/Native/." "$out/shim-src/"
    cp "$work/LICENSE.txt" "$out/shim-src/LICENSE-TorchSharp.txt"
fi

cat > "$out/rho1" <<'LAUNCHER'
#!/usr/bin/env bash
# rho1 from the GPU bundle: the packed .NET runtime, the host's libtorch.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
if [ ! -x "$here/dotnet/dotnet" ]; then
    mkdir -p "$here/dotnet.tmp"
    tar -C "$here/dotnet.tmp" -xJf "$here/dotnet-runtime.tar.xz"
    mv "$here/dotnet.tmp" "$here/dotnet"
fi
# The host's libtorch and pip's CUDA libraries (torch-paths.sh says how they are found).
source "$here/torch-paths.sh"
torch_paths || { echo "rho1 (bundle): no libtorch ($torch_paths_error): set RHO1_TORCH_LIB to a folder holding libtorch.so, or install PyTorch for python3" >&2; exit 2; }
# The NuGet shim against this libtorch; rebuilt once from shim-src/ when it does not link (a marker makes this instant).
"$here/shim.sh" "$here/app" "$RHO1_TORCH_LIB" >&2 || exit 2
export LD_LIBRARY_PATH="$here/app:$RHO1_TORCH_LIB${RHO1_TORCH_DEPS:+:$RHO1_TORCH_DEPS}${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export DOTNET_ROOT="$here/dotnet" DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
exec "$here/dotnet/dotnet" "$here/app/rho1.dll" "$@"
LAUNCHER
chmod +x "$out/rho1" "$out/gpu-check.sh" "$out/gpu-profile.sh" "$out/shim.sh"

size=$(du -sb "$out" | cut -f1)
mib=$(awk -v b="$size" 'BEGIN { printf "%.1f", b / 1048576 }')
echo "gpu-bundle: $out is $mib MiB (limit $limit_mib MiB): app $(du -sh "$out/app" | cut -f1), runtime $(du -sh "$out/dotnet-runtime.tar.xz" | cut -f1)"
awk -v b="$size" -v l="$limit_mib" 'BEGIN { exit !(b <= l * 1048576) }' || { echo "gpu-bundle: over $limit_mib MiB" >&2; exit 1; }
