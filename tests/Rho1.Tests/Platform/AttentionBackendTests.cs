// Which attention kernel the start banner names, by libtorch's rules: flash for bf16/fp16 heads that fit it on
// CUDA, memory-efficient otherwise, the fused kernel on the CPU.
using Rho1.Platform;
using TorchSharp;
using static TorchSharp.torch;

namespace Rho1.Tests.Platform;

public class AttentionBackendTests
{
    [Theory]
    [InlineData(DeviceType.CUDA, ScalarType.BFloat16, 64, "flash")]
    [InlineData(DeviceType.CUDA, ScalarType.Float16, 128, "flash")]
    [InlineData(DeviceType.CUDA, ScalarType.BFloat16, 320, "memory-efficient (head size 320 does not fit flash)")]
    [InlineData(DeviceType.CUDA, ScalarType.BFloat16, 60, "memory-efficient (head size 60 does not fit flash)")]
    [InlineData(DeviceType.CUDA, ScalarType.Float32, 64, "memory-efficient (flash needs bf16 or fp16)")]
    [InlineData(DeviceType.CPU, ScalarType.BFloat16, 64, "cpu fused (flash-style)")]
    public void The_expected_kernel_follows_dtype_and_head_size(DeviceType device, ScalarType dtype, int headDim, string kernel) =>
        Assert.Equal(kernel, AttentionBackend.ExpectedKernel(device, dtype, headDim));

    [Fact]
    public void Configuring_the_cpu_changes_nothing()
    {
        bool tf32 = torch.backends.cuda.matmul.allow_tf32;
        AttentionBackend.Configure(torch.CPU);
        Assert.Equal(tf32, torch.backends.cuda.matmul.allow_tf32);
    }
}
