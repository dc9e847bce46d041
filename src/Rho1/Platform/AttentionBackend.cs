// The CUDA kernel choices made explicit at start, and which scaled-dot-product-attention kernel a model's
// attention is expected to get, for the start banner. TorchSharp exposes the flash and math switches (not the
// memory-efficient one, which libtorch enables by default) and cannot report which kernel actually ran.
using TorchSharp;
using static TorchSharp.torch;

namespace Rho1.Platform;

public static class AttentionBackend
{
    /// <summary>On CUDA: TF32 for fp32 matmuls and cuDNN as <paramref name="tf32"/> says, flash and math SDPA enabled. No-op on the CPU.</summary>
    public static void Configure(Device device, bool tf32 = true)
    {
        if (device.type != DeviceType.CUDA) return;
        torch.backends.cuda.matmul.allow_tf32 = tf32;
        torch.backends.cudnn.allow_tf32 = tf32;
        torch.backends.cuda.enable_flash_sdp(true);
        torch.backends.cuda.enable_math_sdp(true);
    }

    /// <summary>
    /// The SDPA kernel causal attention is expected to run with: flash for bf16/fp16 heads of at most 256 (a multiple
    /// of 8) on CUDA, else memory-efficient on CUDA; libtorch's fused CPU kernel on the CPU.
    /// </summary>
    public static string ExpectedKernel(DeviceType device, ScalarType dtype, int headDim) => device switch
    {
        DeviceType.CUDA when dtype is ScalarType.BFloat16 or ScalarType.Float16 && headDim <= 256 && headDim % 8 == 0 => "flash",
        DeviceType.CUDA => $"memory-efficient ({(dtype is ScalarType.BFloat16 or ScalarType.Float16 ? $"head size {headDim} does not fit flash" : "flash needs bf16 or fp16")})",
        _ => "cpu fused (flash-style)",
    };
}
