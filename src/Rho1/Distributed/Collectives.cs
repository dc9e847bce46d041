// Joins the job this process was launched into, with the engine that suits its device: NCCL for CUDA tensors
// (its id sent over MPI when an MPI launcher started the job, else through torchrun's MASTER_ADDR:MASTER_PORT),
// MPI for CPU tensors, nothing for one process.
using TorchSharp;
using static TorchSharp.torch;

namespace Rho1.Distributed;

public static class Collectives
{
    public enum Engine { Single, Mpi, Nccl }

    /// <summary>How long the torchrun rendezvous waits for every rank.</summary>
    public static readonly TimeSpan RendezvousTimeout = TimeSpan.FromMinutes(5);

    /// <summary>The variable that forces the NCCL engine on one process (RHO1_COLLECTIVES=nccl), to check it on a one-GPU host.</summary>
    public const string ForceVariable = "RHO1_COLLECTIVES";

    /// <summary>
    /// The engine for <paramref name="launch"/> on a CUDA or CPU device; refuses a torchrun launch on CPUs.
    /// <paramref name="forced"/> "nccl" uses NCCL even for one process (a communicator of one: scripts/gpu-check.sh's NCCL stage).
    /// </summary>
    public static Engine Choose(LaunchEnvironment launch, bool cuda, string? forced = null)
    {
        if (!string.IsNullOrEmpty(forced))
        {
            if (forced != "nccl")
                throw new UserErrorException($"{ForceVariable}={forced}: the only value is nccl (leave it unset to choose by launcher and device)");
            return cuda ? Engine.Nccl : throw new UserErrorException($"{ForceVariable}=nccl needs a CUDA device (--device cuda)");
        }
        if (launch.Size == 1) return Engine.Single;
        if (cuda) return Engine.Nccl;
        if (launch.ViaMpi) return Engine.Mpi;
        throw new UserErrorException($"launched by torchrun with WORLD_SIZE={launch.Size} on CPUs: CPU tensors travel over MPI, which torchrun does not start; " +
            "launch with mpirun -np N (or srun) instead");
    }

    /// <summary>
    /// The port of Rho1's own rendezvous: MASTER_PORT, or the one after it when torchrun's agent already serves its store
    /// there (TORCHELASTIC_USE_AGENT_STORE=True, torchrun's default).
    /// </summary>
    public static int RendezvousPort(LaunchEnvironment launch, Func<string, string?> env) =>
        launch.MasterPort + (string.Equals(env("TORCHELASTIC_USE_AGENT_STORE"), "true", StringComparison.OrdinalIgnoreCase) ? 1 : 0);

    /// <summary>The collectives for <paramref name="launch"/> on <paramref name="device"/>; libraries from RHO1_LIBMPI / RHO1_LIBNCCL when set.</summary>
    public static ICollectives Join(LaunchEnvironment launch, Device device, Func<string, string?> env)
    {
        switch (Choose(launch, device.type == DeviceType.CUDA, env(ForceVariable)))
        {
            case Engine.Single:
                return SingleProcess.Instance;
            case Engine.Mpi:
                return new MpiCollectives(MpiLibrary.Load(env("RHO1_LIBMPI"), launch.Launcher), launch);
            default:
                var nccl = NcclLibrary.Load(env("RHO1_LIBNCCL"));
                var cuda = CudaRuntime.TryLoad(env("RHO1_LIBCUDART"));
                if (launch.Size == 1)
                    return new NcclCollectives(nccl, 0, 1, device, id => id, cuda);
                if (launch.ViaMpi)
                {
                    var mpi = new MpiCollectives(MpiLibrary.Load(env("RHO1_LIBMPI"), launch.Launcher), launch);
                    return new NcclCollectives(nccl, launch.Rank, launch.Size, device, id =>
                    {
                        using var t = torch.tensor(id);
                        mpi.Broadcast(t, root: 0);
                        return t.data<byte>().ToArray();
                    }, cuda) { Bootstrap = mpi };
                }
                int port = RendezvousPort(launch, env);
                return new NcclCollectives(nccl, launch.Rank, launch.Size, device,
                    id => TcpRendezvous.Exchange(launch.Rank, launch.Size, launch.MasterAddr!, port, id, RendezvousTimeout), cuda);
        }
    }
}
