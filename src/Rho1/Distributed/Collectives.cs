// Joins the job this process was launched into: one process needs nothing; an MPI launcher (mpirun, hydra,
// srun) gets MPI through the system's libmpi. torchrun launches need NCCL, which this build does not carry.
namespace Rho1.Distributed;

public static class Collectives
{
    /// <summary>The collectives for <paramref name="launch"/>; <paramref name="libmpi"/> overrides the library search (RHO1_LIBMPI).</summary>
    public static ICollectives Join(LaunchEnvironment launch, string? libmpi)
    {
        if (launch.Size == 1)
            return SingleProcess.Instance;
        if (launch.ViaMpi)
            return new MpiCollectives(MpiLibrary.Load(libmpi), launch);
        throw new UserErrorException($"launched by torchrun with WORLD_SIZE={launch.Size}: torchrun launches need the NCCL backend (CUDA), " +
            "which this build does not have; launch with mpirun -np N (or srun) instead");
    }

    /// <summary>This process's job, from its environment.</summary>
    public static ICollectives JoinFromEnvironment() =>
        Join(LaunchEnvironment.FromProcess(), Environment.GetEnvironmentVariable("RHO1_LIBMPI"));
}
