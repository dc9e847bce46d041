// How many CPU threads libtorch computes with: --threads, else RHO1_THREADS, else the CPUs this process may use
// (.NET's ProcessorCount, which honours the affinity mask and a cgroup CPU quota), shared evenly by the processes a
// launcher started on this host. libtorch's own default can
// exceed what a container allows, and on a machine shared with another job its spinning OpenMP threads make both
// many times slower, so the choice is explicit and logged, with a warning when the machine is already busy.
using System.Globalization;
using TorchSharp;

namespace Rho1.Platform;

public static class ComputeThreads
{
    public const string Variable = "RHO1_THREADS";

    /// <summary>What was chosen and why, for the start log.</summary>
    public sealed record Choice(int Threads, string Source);

    /// <summary>The thread count for <paramref name="requested"/> (null: the variable, else the usable CPUs), without applying it.</summary>
    /// <param name="processesOnHost">Processes of this job on this host (a launcher's local size): they share the CPUs.</param>
    public static Choice Choose(int? requested, string? environment, string? openMp = null, int processesOnHost = 1)
    {
        if (requested is { } n)
            return n >= 1 ? new Choice(n, "--threads") : throw new UserErrorException($"--threads {n}: must be at least 1");
        if (!string.IsNullOrWhiteSpace(environment))
            return int.TryParse(environment, NumberStyles.None, CultureInfo.InvariantCulture, out int e) && e >= 1
                ? new Choice(e, Variable)
                : throw new UserErrorException($"{Variable}={environment}: must be a whole number of at least 1");
        // OMP_NUM_THREADS is what libtorch itself honours, and what people set on shared machines: respected too.
        if (int.TryParse(openMp, NumberStyles.None, CultureInfo.InvariantCulture, out int omp) && omp >= 1)
            return new Choice(omp, "OMP_NUM_THREADS");
        if (processesOnHost > 1 && Environment.ProcessorCount > 1)
            return new Choice(Math.Max(1, Environment.ProcessorCount / processesOnHost), Shared);
        return new Choice(Environment.ProcessorCount, Usable);
    }

    const string Shared = "the CPUs this process may use, shared by the job's processes on this host";

    const string Usable = "the CPUs this process may use";

    /// <summary>Chooses and applies the thread count to libtorch; the last choice is kept for logs.</summary>
    public static Choice Apply(int? requested, int processesOnHost = 1)
    {
        var choice = Choose(requested, Environment.GetEnvironmentVariable(Variable), Environment.GetEnvironmentVariable("OMP_NUM_THREADS"), processesOnHost);
        torch.set_num_threads(choice.Threads);
        Current = choice;
        ProcessesOnHost = Math.Max(1, processesOnHost);
        return choice;
    }

    /// <summary>The job's processes on this host (a launcher's local size) when the choice was applied.</summary>
    public static int ProcessesOnHost { get; private set; } = 1;

    /// <summary>The choice applied last; null if none was (libtorch's default threads).</summary>
    public static Choice? Current { get; private set; }

    /// <summary>
    /// A warning when the 1-minute load average already exceeds the CPU count (Linux) and the thread count was left to
    /// the default, else null: whoever chose the threads has already made the call the warning would suggest.
    /// </summary>
    public static string? BusyMachineWarning()
    {
        try
        {
            if (!File.Exists("/proc/loadavg")) return null;
            string first = File.ReadAllText("/proc/loadavg").Split(' ')[0];
            // The machine's CPUs, not this process's share (a launcher binds each rank to its own), and the load this
            // job's other ranks on the host put on them, which is not "another job".
            int cores = Math.Max(Environment.ProcessorCount, File.ReadLines("/proc/cpuinfo").Count(l => l.StartsWith("processor", StringComparison.Ordinal)));
            return double.TryParse(first, NumberStyles.Float, CultureInfo.InvariantCulture, out double load)
                ? BusyMachineWarning(load, cores, Current, (ProcessesOnHost - 1) * (Current?.Threads ?? 1))
                : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>
    /// The decision itself: a warning when <paramref name="load"/>, less what this job's other processes on the host account
    /// for (<paramref name="siblingThreads"/>), exceeds <paramref name="cores"/> and the threads were not chosen.
    /// </summary>
    public static string? BusyMachineWarning(double load, int cores, Choice? current, int siblingThreads = 0) =>
        current is { Source: not (Usable or Shared) } || load - siblingThreads <= cores
            ? null
            : string.Create(CultureInfo.InvariantCulture, $"the machine's load ({load:0.0}) already exceeds its {cores} CPUs: another job is running, so speed will be lower and noisy; --threads 1 may help");
}
