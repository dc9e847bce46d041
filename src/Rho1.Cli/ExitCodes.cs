// Process exit codes shared by every verb.

namespace Rho1.Cli;

public static class ExitCodes
{
    /// <summary>The command did what was asked.</summary>
    public const int Success = 0;
    /// <summary>The command failed while running (I/O failure, numerical fault, a bug).</summary>
    public const int Failure = 1;
    /// <summary>Bad usage or bad input: nothing was created or overwritten.</summary>
    public const int BadInput = 2;
    /// <summary>The reports were written, but from part of the work: `sweep --collect` with cells missing.</summary>
    public const int Incomplete = 3;
    /// <summary>Interrupted by the user (Ctrl+C).</summary>
    public const int Interrupted = 130;
}
