// Parses and resolves the --device value (auto, cpu, cuda, cuda:N) into a TorchSharp device.
// Resolution checks availability so that asking for CUDA on a CPU-only machine is a user error, not a crash.
using TorchSharp;

namespace Rho1.Platform;

public static class DeviceSpec
{
    /// <summary>Resolves "auto" (CUDA when available, else CPU), "cpu", "cuda" or "cuda:N".</summary>
    /// <param name="localRank">The process's rank on its host: "auto" and "cuda" pick cuda:localRank (one GPU per process).</param>
    /// <param name="localSize">Processes a launcher started on this host.</param>
    public static torch.Device Resolve(string spec, int localRank = 0, int localSize = 1)
    {
        string s = Bind(spec, localRank, localSize, torch.cuda.is_available);
        if (s == "cpu")
            return torch.CPU;
        int index = int.Parse(s.AsSpan(5), System.Globalization.CultureInfo.InvariantCulture);
        if (!torch.cuda.is_available())
            throw new UserErrorException($"--device '{spec}': CUDA is not available on this machine (build with -p:TorchBackend=cuda on a CUDA host, or use --device cpu)");
        int count = torch.cuda.device_count();
        if (index >= count)
            throw new UserErrorException($"--device '{spec}': {(spec.Trim() == s ? "" : $"{s} for local rank {localRank}: ")}this machine has {count} CUDA device(s)");
        return new torch.Device(DeviceType.CUDA, index);
    }

    /// <summary>
    /// The device a process of a launched job takes, as "cpu" or "cuda:N", before checking the machine has it: auto and cuda
    /// bind cuda:localRank, so that the processes on a host take one GPU each; an explicit cuda:N for several processes on
    /// one host would put them all on one GPU, and is refused with the fix.
    /// </summary>
    public static string Bind(string spec, int localRank, int localSize, Func<bool> cudaAvailable)
    {
        string s = spec.Trim().ToLowerInvariant();
        if (s == "auto")
            return cudaAvailable() ? $"cuda:{localRank}" : "cpu";
        if (s == "cpu")
            return s;
        if (s == "cuda")
            return $"cuda:{localRank}";
        if (s.StartsWith("cuda:", StringComparison.Ordinal) && int.TryParse(s.AsSpan(5), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int index))
            return localSize > 1
                ? throw new UserErrorException($"--device {spec}: the launcher started {localSize} processes on this host and all of them would use that one GPU; " +
                    "pass --device cuda (or auto): each process then takes cuda:LOCAL_RANK")
                : $"cuda:{index}";
        throw new UserErrorException($"--device '{spec}': expected auto, cpu, cuda or cuda:N with N >= 0");
    }

    /// <summary>Stable name of a device, e.g. "cpu" or "cuda:0".</summary>
    public static string Name(torch.Device device) =>
        device.type == DeviceType.CUDA ? $"cuda:{Math.Max(0, device.index)}" : "cpu";
}
