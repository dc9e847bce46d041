// Options every verb accepts: verbosity. Declared once, attached to the root as recursive options.
using System.CommandLine;

namespace Rho1.Cli;

public static class GlobalOptions
{
    public static readonly Option<bool> Verbose = new("--verbose", "-v")
    {
        Description = "Debug logging, and stack traces on errors.",
        Recursive = true,
    };

    public static readonly Option<bool> Quiet = new("--quiet", "-q")
    {
        Description = "Only warnings and errors on stderr.",
        Recursive = true,
    };

    /// <summary>--threads: libtorch's CPU threads for the compute verbs (see Platform/ComputeThreads).</summary>
    public static Option<int?> Threads() => new("--threads")
    {
        Description = "CPU threads for libtorch [default: $RHO1_THREADS, else the CPUs this process may use]. " +
            "On a machine shared with another job, fewer threads (even 1) are often faster.",
    };

    public static Option<string> Device() => new("--device")
    {
        Description = "auto (CUDA when available), cpu, cuda or cuda:N.",
        DefaultValueFactory = _ => "auto",
    };
}
