// How glibc's malloc serves libtorch's CPU tensors in this process. By default glibc gives a freed heap top back to
// the kernel as soon as 128 KB lie free (a threshold that then floats with the largest freed mmap), so each
// micro-batch's activations are faulted in afresh: measured on `small`, about half of a run's minor page faults and
// 40% of its system time. Rho1 keeps up to TrimBytes of free heap for the next micro-batch and maps blocks of MmapBytes
// (glibc's ceiling) and more on their own. A mapped block is faulted in page by page each time, so the large per-step
// intermediates of a big vocabulary are kept from step to step instead (Model/Runtime/TensorWorkspace, ComputeCasts.OutsideGraph,
// AdamStep's blocks). Serving everything from the heap (M_MMAP_MAX=0, tried) was as fast but fragmented it: the same
// gpt2-124m run peaked ±150 MB apart from run to run, up to 1.26× of `rho1 plan` (docs/performance.md, "Memory plan
// against measurement").
// Not applied where the user set glibc's own variables, nor off glibc (a musl or non-Linux process), nor with RHO1_MALLOC=default.
using System.Runtime.InteropServices;

namespace Rho1.Platform;

public static partial class NativeAllocator
{
    public const string Variable = "RHO1_MALLOC";

    /// <summary>Free heap kept for reuse instead of being returned to the kernel.</summary>
    public const int TrimBytes = 512 << 20;

    /// <summary>Blocks at least this large are mapped on their own (glibc's ceiling for the threshold).</summary>
    public const int MmapBytes = 32 << 20;

    const int MTrimThreshold = -1, MMmapThreshold = -3; // glibc's malloc.h

    [LibraryImport("libc.so.6", EntryPoint = "mallopt")]
    private static partial int Mallopt(int param, int value);

    /// <summary>What was done and why, for the log; null until Configure runs.</summary>
    public static string? Choice { get; private set; }

    /// <summary>Sets the thresholds unless the environment says otherwise (see the file header); returns the choice in words.</summary>
    public static string Configure(Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        Choice = Decide(environment) ?? Apply();
        return Choice;
    }

    /// <summary>Why the thresholds stay glibc's, or null when Rho1 should set them.</summary>
    public static string? Decide(Func<string, string?> environment)
    {
        if (!OperatingSystem.IsLinux())
            return "the system's allocator (not Linux)";
        if (environment(Variable) is { Length: > 0 } v)
            return v == "default" ? $"glibc's defaults ({Variable}=default)"
                : throw new UserErrorException($"{Variable}={v}: the only value is 'default' (glibc's own thresholds); leave it unset for Rho1's");
        foreach (string name in new[] { "MALLOC_TRIM_THRESHOLD_", "MALLOC_MMAP_THRESHOLD_", "GLIBC_TUNABLES" })
            if (environment(name) is { Length: > 0 })
                return $"glibc's, as {name} sets them";
        return null;
    }

    static string Apply()
    {
        try
        {
            // mallopt returns 1 on success; both or neither, so that the pair stays consistent.
            if (Mallopt(MMmapThreshold, MmapBytes) == 1 && Mallopt(MTrimThreshold, TrimBytes) == 1)
                return $"glibc malloc keeping up to {TrimBytes >> 20} MB of free heap, mapping blocks of {MmapBytes >> 20} MB and more";
            return "glibc's defaults (mallopt refused the thresholds)";
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return "the system's allocator (no glibc mallopt)";
        }
    }
}
