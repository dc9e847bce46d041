// The job this process belongs to: one process, or one rank of a data-parallel job that mpirun, srun or
// torchrun started. Read from the environment once per invocation; the collectives are joined only when a
// training verb asks for them, and released (MPI_Finalize) when the invocation ends.
using Rho1.Distributed;
using Rho1.Platform;

namespace Rho1.Cli;

public sealed class Job : IDisposable
{
    /// <summary>The verbs that run data-parallel under a launcher; the others refuse to run as a rank of a larger job.</summary>
    public static readonly string[] DataParallelVerbs = ["train", "train-ref", "score", "sweep", "eval", "info"]; // info: --collectives checks the job

    ICollectives? _world;

    public Job(LaunchEnvironment launch) => Launch = launch;

    /// <summary>The job of the current invocation (one process until CliApp reads the environment).</summary>
    public static Job Current { get; set; } = new(LaunchEnvironment.SingleProcess);

    public LaunchEnvironment Launch { get; }

    /// <summary>The job's collectives for a run on <paramref name="device"/> (--device): NCCL on CUDA, MPI on CPUs, none for one process.</summary>
    public ICollectives WorldFor(string device) =>
        _world ??= Collectives.Join(Launch, DeviceSpec.Resolve(device, Launch.LocalRank, Launch.LocalSize), Environment.GetEnvironmentVariable);

    /// <summary>Refuses a verb that cannot run as one rank of several.</summary>
    public void RequireSupported(string verb)
    {
        if (Launch.Size > 1 && !DataParallelVerbs.Contains(verb))
            throw new UserErrorException($"rho1 {verb} runs in one process, but {Launch.Launcher} started {Launch.Size}: " +
                $"only {string.Join(", ", DataParallelVerbs[..^1])} and {DataParallelVerbs[^1]} run under a launcher; run {verb} without it");
    }

    /// <summary>After an error on this rank: ends the whole job, so that no other rank waits for this one forever.</summary>
    public void AbortOthers(int exitCode)
    {
        if (_world is { Size: > 1 } world) world.Abort(exitCode);
    }

    public void Dispose() => _world?.Dispose();
}
