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

    public static Option<string> Device() => new("--device")
    {
        Description = "auto (CUDA when available), cpu, cuda or cuda:N.",
        DefaultValueFactory = _ => "auto",
    };
}
