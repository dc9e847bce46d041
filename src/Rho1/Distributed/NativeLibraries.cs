// The shared libraries mapped into this process, read from /proc/self/maps: where a CUDA build of libtorch was
// loaded from is where its own copies of NCCL and the CUDA runtime are.
namespace Rho1.Distributed;

public static class NativeLibraries
{
    /// <summary>Paths of the shared libraries this process has mapped (Linux); empty elsewhere.</summary>
    public static IReadOnlyList<string> Loaded()
    {
        const string maps = "/proc/self/maps";
        if (!File.Exists(maps)) return [];
        return File.ReadLines(maps).Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(fields => fields.Length >= 6 && fields[5].Contains(".so", StringComparison.Ordinal)).Select(fields => fields[5]).Distinct().ToList();
    }
}
