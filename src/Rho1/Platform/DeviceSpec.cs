// Parses and resolves the --device value (auto, cpu, cuda, cuda:N) into a TorchSharp device.
// Resolution checks availability so that asking for CUDA on a CPU-only machine is a user error, not a crash.
using TorchSharp;

namespace Rho1.Platform;

public static class DeviceSpec
{
    /// <summary>Resolves "auto" (CUDA when available, else CPU), "cpu", "cuda" or "cuda:N".</summary>
    /// <param name="localRank">The process's rank on its host: "auto" picks cuda:localRank (one GPU per process).</param>
    public static torch.Device Resolve(string spec, int localRank = 0)
    {
        string s = spec.Trim().ToLowerInvariant();
        if (s == "auto")
        {
            if (!torch.cuda.is_available()) return torch.CPU;
            if (localRank == 0) return torch.CUDA;
            s = $"cuda:{localRank}";
        }
        if (s == "cpu")
            return torch.CPU;
        if (s == "cuda" || s.StartsWith("cuda:", StringComparison.Ordinal))
        {
            int index = 0;
            if (s.Length > 5 && !int.TryParse(s.AsSpan(5), out index) || index < 0)
                throw new UserErrorException($"--device '{spec}': expected auto, cpu, cuda or cuda:N with N >= 0");
            if (!torch.cuda.is_available())
                throw new UserErrorException($"--device '{spec}': CUDA is not available on this machine (build with -p:TorchBackend=cuda on a CUDA host, or use --device cpu)");
            int count = torch.cuda.device_count();
            if (index >= count)
                throw new UserErrorException($"--device '{spec}': this machine has {count} CUDA device(s)");
            return new torch.Device(DeviceType.CUDA, index);
        }
        throw new UserErrorException($"--device '{spec}': expected auto, cpu, cuda or cuda:N");
    }

    /// <summary>Stable name of a device, e.g. "cpu" or "cuda:0".</summary>
    public static string Name(torch.Device device) =>
        device.type == DeviceType.CUDA ? $"cuda:{Math.Max(0, device.index)}" : "cpu";
}
