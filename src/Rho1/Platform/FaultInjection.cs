// Failures on purpose, for the fault matrix (scripts/fault-matrix.sh, docs/reliability.md): RHO1_FAULT=POINT:RANK:ACTION[:N]
// makes rank RANK act at the Nth time (default 1) it passes POINT — step (a training step's start), allreduce (inside a
// started all-reduce), checkpoint (a checkpoint half written), eval (an evaluation batch), score (a scored batch). ACTION:
// kill (SIGKILL itself), stop (SIGSTOP itself) or sleep=S (seconds). Unset, a call costs one comparison.
using System.Globalization;
using System.Runtime.InteropServices;

namespace Rho1.Platform;

public static partial class FaultInjection
{
    sealed record Fault(string Point, int Rank, string Action, int Nth);

    static readonly Lazy<Fault?> Planned = new(() => Parse(Environment.GetEnvironmentVariable("RHO1_FAULT")));
    static int _hits;

    /// <summary>The ranks' launch variables (Open MPI, MPICH, SLURM, torchrun), read here so that any layer may hold a point.</summary>
    static int Rank => new[] { "OMPI_COMM_WORLD_RANK", "PMI_RANK", "SLURM_PROCID", "RANK" }
        .Select(Environment.GetEnvironmentVariable).FirstOrDefault(v => v is { Length: > 0 }) is { } r && int.TryParse(r, CultureInfo.InvariantCulture, out int rank) ? rank : 0;

    static Fault? Parse(string? text)
    {
        if (string.IsNullOrEmpty(text)) return null;
        var parts = text.Split(':');
        if (parts.Length is < 3 or > 4 || !int.TryParse(parts[1], CultureInfo.InvariantCulture, out int rank)
            || (parts.Length == 4 && !int.TryParse(parts[3], CultureInfo.InvariantCulture, out _)))
            throw new UserErrorException($"RHO1_FAULT={text}: expected POINT:RANK:ACTION[:N], e.g. allreduce:1:kill:20 (a test seam; see docs/reliability.md)");
        return new Fault(parts[0], rank, parts[2], parts.Length == 4 ? int.Parse(parts[3], CultureInfo.InvariantCulture) : 1);
    }

    /// <summary>Acts here if RHO1_FAULT names this point and this rank, and this is the Nth pass.</summary>
    public static void At(string point)
    {
        if (Planned.Value is not { } f || f.Point != point || f.Rank != Rank || Interlocked.Increment(ref _hits) != f.Nth) return;
        Serilog.Log.Warning("RHO1_FAULT: rank {Rank} {Action} at {Point} (pass {Nth})", f.Rank, f.Action, point, f.Nth);
        if (f.Action == "kill") _ = Signal(Environment.ProcessId, 9);
        else if (f.Action == "stop") _ = Signal(Environment.ProcessId, 19);
        else if (f.Action.StartsWith("sleep=", StringComparison.Ordinal) && double.TryParse(f.Action[6..], CultureInfo.InvariantCulture, out double seconds))
            Thread.Sleep(TimeSpan.FromSeconds(seconds));
        else throw new UserErrorException($"RHO1_FAULT: action '{f.Action}': kill, stop or sleep=SECONDS");
    }

    [LibraryImport("libc.so.6", EntryPoint = "kill")]
    private static partial int Signal(int pid, int signal);
}
