# Sourced by the GPU bundle's launcher and by gpu-check.sh (the bundle carries it as torch-paths.sh): torch_paths sets
# and exports RHO1_TORCH_LIB, the host's libtorch (a pip PyTorch's torch/lib), and RHO1_TORCH_DEPS, CUDA's libraries of
# a pip PyTorch (site-packages/nvidia/*/lib: cuDNN, cuBLAS, NCCL), ':'-joined. libtorch_cuda finds those through its run
# path when Python loads it, but TorchSharp loads it by name, so they go on the library path too. One Python start,
# skipped when both are set; a RHO1_TORCH_LIB given without a Python that imports torch leaves RHO1_TORCH_DEPS empty.
# Returns 1, with the reason in $torch_paths_error, when there is neither.
# Time: one Python start (sourced).
torch_paths() {
    [ -n "${RHO1_TORCH_LIB:-}" ] && [ -n "${RHO1_TORCH_DEPS+set}" ] && return 0
    local paths
    if paths=$(python3 -c 'import glob, os, torch; root = os.path.dirname(torch.__file__); print(os.path.join(root, "lib")); print(":".join(sorted(glob.glob(os.path.join(os.path.dirname(root), "nvidia", "*", "lib")))))' 2> /dev/null); then
        RHO1_TORCH_LIB=${RHO1_TORCH_LIB:-$(echo "$paths" | sed -n 1p)}
        RHO1_TORCH_DEPS=$(echo "$paths" | sed -n 2p)
    elif [ -n "${RHO1_TORCH_LIB:-}" ]; then
        RHO1_TORCH_DEPS=""
    else
        torch_paths_error="python3 cannot import torch: $(python3 -c 'import torch' 2>&1 | tail -n 1)"
        return 1
    fi
    export RHO1_TORCH_LIB RHO1_TORCH_DEPS
}
