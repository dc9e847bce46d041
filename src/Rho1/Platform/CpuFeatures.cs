// What the CPU can do natively, from /proc/cpuinfo's flags (Linux): bf16 matmuls are fast only with AVX512-BF16
// or AMX; elsewhere libtorch emulates them, hundreds of times slower than fp32 (measured: ~0.3 against ~50 GFLOP/s
// on an AVX2-only EPYC). Not Linux, or unreadable: no native bf16 assumed.
namespace Rho1.Platform;

public static class CpuFeatures
{
    static readonly Lazy<string> Flags = new(() =>
    {
        try
        {
            return File.Exists("/proc/cpuinfo")
                ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("flags", StringComparison.Ordinal)) ?? ""
                : "";
        }
        catch (IOException)
        {
            return "";
        }
    });

    /// <summary>The flags line of the first CPU ("" when unknown).</summary>
    public static string CpuFlags => Flags.Value;

    /// <summary>Whether <paramref name="flags"/> (a /proc/cpuinfo flags line) include native bf16 matmuls.</summary>
    public static bool HasNativeBf16(string flags) =>
        flags.Split([' ', '\t', ':'], StringSplitOptions.RemoveEmptyEntries).Any(f => f is "avx512_bf16" or "amx_bf16");

    /// <summary>The native-bf16 flags of this CPU, or "no avx512_bf16 or amx_bf16", for logs.</summary>
    public static string Bf16Summary(string flags)
    {
        var found = flags.Split([' ', '\t', ':'], StringSplitOptions.RemoveEmptyEntries).Where(f => f is "avx512_bf16" or "amx_bf16").ToList();
        return found.Count > 0 ? string.Join(" and ", found) : "no avx512_bf16 or amx_bf16";
    }
}
