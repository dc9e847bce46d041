// Which collectives engine a launch gets, where Rho1's rendezvous listens under torchrun, and where NCCL is
// looked for: the decisions made before any library is loaded.
using Rho1.Distributed;

namespace Rho1.Tests.Distributed;

public class EngineChoiceTests
{
    static readonly LaunchEnvironment Mpi = new(Launcher.OpenMpi, 0, 2, 0, 2);
    static readonly LaunchEnvironment Torchrun = new(Launcher.Torchrun, 1, 2, 1, 2, "node0", 29500);

    [Fact]
    public void Cuda_gets_nccl_cpus_get_mpi_one_process_gets_nothing()
    {
        Assert.Equal(Collectives.Engine.Single, Collectives.Choose(LaunchEnvironment.SingleProcess, cuda: true));
        Assert.Equal(Collectives.Engine.Nccl, Collectives.Choose(Mpi, cuda: true));
        Assert.Equal(Collectives.Engine.Nccl, Collectives.Choose(Torchrun, cuda: true));
        Assert.Equal(Collectives.Engine.Mpi, Collectives.Choose(Mpi, cuda: false));
        Assert.Contains("launch with mpirun -np N", Assert.Throws<UserErrorException>(() => Collectives.Choose(Torchrun, cuda: false)).Message);
    }

    [Fact]
    public void Under_torchrun_s_agent_store_the_rendezvous_takes_the_next_port()
    {
        Assert.Equal(29501, Collectives.RendezvousPort(Torchrun, name => name == "TORCHELASTIC_USE_AGENT_STORE" ? "True" : null));
        Assert.Equal(29500, Collectives.RendezvousPort(Torchrun, _ => null));
    }

    [Fact]
    public void Nccl_is_looked_for_on_the_library_path_then_beside_libtorch()
    {
        Assert.Equal(["libnccl.so.2", "/opt/torch/lib/libnccl.so.2"],
            NcclLibrary.Candidates(null, ["/usr/lib/libc.so.6", "/opt/torch/lib/libtorch_cuda.so", "/opt/torch/lib/libtorch_cpu.so"]));
        Assert.Equal(["/x/libnccl.so.2"], NcclLibrary.Candidates("/x/libnccl.so.2", ["/opt/torch/lib/libtorch_cuda.so"]));
        Assert.Equal("RHO1_LIBNCCL=/nonexistent/libnccl.so.2: cannot be loaded (missing, or not a shared library for this machine)",
            Assert.Throws<UserErrorException>(() => NcclLibrary.Load("/nonexistent/libnccl.so.2")).Message);
    }
}
