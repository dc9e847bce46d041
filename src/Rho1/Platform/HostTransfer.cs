// Host → device copies that do not stall the GPU: a batch built on the host is staged in pinned memory and
// copied asynchronously, so the CPU reads the next batch while the GPU still computes the current one. A
// blocking copy from pageable memory would wait for every queued kernel first. On the CPU: no copy at all.
using TorchSharp;
using static TorchSharp.torch;

namespace Rho1.Platform;

public static class HostTransfer
{
    /// <summary><paramref name="host"/> (a CPU tensor) on <paramref name="device"/>; on CUDA via pinned memory and a non-blocking copy.</summary>
    public static Tensor ToDevice(Tensor host, Device device) =>
        device.type == DeviceType.CUDA ? host.pin_memory().to(device, non_blocking: true) : host.to(device);
}
