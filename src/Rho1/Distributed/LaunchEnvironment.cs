// Where this process sits in a job, read from the variables its launcher set: mpirun (Open MPI), MPICH's and
// Intel MPI's hydra (PMI), Slurm's srun, or torchrun. With none of them it is one process, rank 0 of 1.
using System.Globalization;

namespace Rho1.Distributed;

public enum Launcher { None, OpenMpi, Pmi, Slurm, Torchrun }

/// <param name="LocalRank">Rank among the processes on this host: picks cuda:LOCAL_RANK and shares the CPUs.</param>
/// <param name="LocalSize">Processes on this host.</param>
/// <param name="MasterAddr">torchrun's rendezvous host (MASTER_ADDR); null for the MPI launchers.</param>
public sealed record LaunchEnvironment(Launcher Launcher, int Rank, int Size, int LocalRank, int LocalSize, string? MasterAddr = null, int MasterPort = 0)
{
    public static readonly LaunchEnvironment SingleProcess = new(Launcher.None, 0, 1, 0, 1);

    /// <summary>Whether the collectives come from MPI (everything but torchrun and a lone process).</summary>
    public bool ViaMpi => Launcher is Launcher.OpenMpi or Launcher.Pmi or Launcher.Slurm;

    public static LaunchEnvironment FromProcess() => From(Environment.GetEnvironmentVariable);

    /// <summary>The launch described by <paramref name="env"/> (a variable's value, or null when unset).</summary>
    public static LaunchEnvironment From(Func<string, string?> env)
    {
        if (env("OMPI_COMM_WORLD_SIZE") != null)
            return Checked(env, Launcher.OpenMpi, "OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_SIZE", "OMPI_COMM_WORLD_LOCAL_RANK", "OMPI_COMM_WORLD_LOCAL_SIZE");
        if (env("PMI_SIZE") != null)
            return Checked(env, Launcher.Pmi, "PMI_RANK", "PMI_SIZE", "MPI_LOCALRANKID", "MPI_LOCALNRANKS");
        // SLURM_STEP_NUM_TASKS is set by srun only: a batch script's own shell (SLURM_NTASKS, no step) is one process.
        if (env("SLURM_STEP_NUM_TASKS") != null && env("SLURM_PROCID") != null)
            return Checked(env, Launcher.Slurm, "SLURM_PROCID", "SLURM_STEP_NUM_TASKS", "SLURM_LOCALID", "SLURM_STEP_TASKS_PER_NODE");
        if (env("WORLD_SIZE") != null && env("RANK") != null)
        {
            var launch = Checked(env, Launcher.Torchrun, "RANK", "WORLD_SIZE", "LOCAL_RANK", "LOCAL_WORLD_SIZE");
            if (launch.Size == 1) return launch;
            string addr = env("MASTER_ADDR") is { Length: > 0 } a ? a : throw new UserErrorException("torchrun launch: MASTER_ADDR is not set");
            int port = Number(env, "MASTER_PORT", required: true, min: 1);
            if (port > 65535) throw new UserErrorException($"MASTER_PORT={port}: not a TCP port (1-65535)");
            return launch with { MasterAddr = addr, MasterPort = port };
        }
        return SingleProcess;
    }

    static LaunchEnvironment Checked(Func<string, string?> env, Launcher launcher, string rankVar, string sizeVar, string localRankVar, string localSizeVar)
    {
        int size = Number(env, sizeVar, required: true, min: 1);
        int rank = Number(env, rankVar, required: true, min: 0);
        if (rank >= size) throw new UserErrorException($"{rankVar}={rank} is not below {sizeVar}={size}");
        int localRank = Number(env, localRankVar, required: false, min: 0);
        // Slurm writes tasks per node as "2(x3),1": the first count is this node's for the usual uniform layout.
        int localSize = Math.Max(localRank + 1, Number(env, localSizeVar, required: false, min: 1, prefixOnly: true));
        return new LaunchEnvironment(launcher, rank, size, localRank, Math.Min(localSize, size));
    }

    static int Number(Func<string, string?> env, string name, bool required, int min, bool prefixOnly = false)
    {
        string? text = env(name);
        if (string.IsNullOrEmpty(text))
            return required ? throw new UserErrorException($"{name} is not set, but the launcher's other variables are") : min;
        if (prefixOnly)
            text = new string(text.TakeWhile(char.IsAsciiDigit).ToArray());
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int value) || value < min)
            throw new UserErrorException($"{name}={env(name)}: expected a whole number >= {min}");
        return value;
    }
}
