// Uniform random scores from a seeded generator. TorchSharp's generators are CPU generators, and libtorch
// refuses a CPU generator for a CUDA tensor, so the draw happens on the CPU and the result is moved: the same
// numbers on every device for the same seed.
using TorchSharp;
using static TorchSharp.torch;

namespace Rho1.Selection;

public static class RandomScores
{
    /// <summary>U[0, 1) of <paramref name="shape"/>, fp32, drawn from <paramref name="generator"/> on the CPU, on <paramref name="device"/>.</summary>
    public static Tensor Uniform(long[] shape, Generator generator, Device device)
    {
        var host = rand(shape, generator: generator);
        // Pinned and non-blocking on CUDA, so that drawing does not wait for the GPU (see Platform/HostTransfer).
        return device.type == DeviceType.CUDA ? host.pin_memory().to(device, non_blocking: true) : host.to(device);
    }
}
