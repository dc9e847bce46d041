// The launcher's variables → rank, size and local rank, for each launcher, and the one-line errors for
// environments that cannot be trusted. Pure: the environment is a dictionary.
using Rho1.Distributed;

namespace Rho1.Tests.Distributed;

public class LaunchEnvironmentTests
{
    static LaunchEnvironment From(params (string Name, string Value)[] vars)
    {
        var env = vars.ToDictionary(v => v.Name, v => v.Value);
        return LaunchEnvironment.From(name => env.GetValueOrDefault(name));
    }

    [Fact]
    public void No_launcher_is_one_process() => Assert.Equal(LaunchEnvironment.SingleProcess, From());

    [Fact]
    public void Each_launcher_is_read_from_its_own_variables()
    {
        Assert.Equal(new LaunchEnvironment(Launcher.OpenMpi, 3, 4, 1, 2),
            From(("OMPI_COMM_WORLD_RANK", "3"), ("OMPI_COMM_WORLD_SIZE", "4"), ("OMPI_COMM_WORLD_LOCAL_RANK", "1"), ("OMPI_COMM_WORLD_LOCAL_SIZE", "2")));
        Assert.Equal(new LaunchEnvironment(Launcher.Pmi, 1, 2, 1, 2), From(("PMI_RANK", "1"), ("PMI_SIZE", "2"), ("MPI_LOCALRANKID", "1"), ("MPI_LOCALNRANKS", "2")));
        // Slurm's tasks per node "2(x3)": two on each of three nodes.
        Assert.Equal(new LaunchEnvironment(Launcher.Slurm, 5, 6, 1, 2),
            From(("SLURM_PROCID", "5"), ("SLURM_STEP_NUM_TASKS", "6"), ("SLURM_LOCALID", "1"), ("SLURM_STEP_TASKS_PER_NODE", "2(x3)")));
        Assert.Equal(new LaunchEnvironment(Launcher.Torchrun, 1, 2, 1, 2, "10.0.0.1", 29500),
            From(("RANK", "1"), ("WORLD_SIZE", "2"), ("LOCAL_RANK", "1"), ("LOCAL_WORLD_SIZE", "2"), ("MASTER_ADDR", "10.0.0.1"), ("MASTER_PORT", "29500")));
        Assert.True(From(("OMPI_COMM_WORLD_RANK", "0"), ("OMPI_COMM_WORLD_SIZE", "2")).ViaMpi);
        Assert.False(From(("RANK", "0"), ("WORLD_SIZE", "2"), ("MASTER_ADDR", "h"), ("MASTER_PORT", "1")).ViaMpi);
    }

    [Fact]
    public void A_slurm_batch_script_outside_srun_is_one_process() =>
        Assert.Equal(LaunchEnvironment.SingleProcess, From(("SLURM_PROCID", "0"), ("SLURM_NTASKS", "8"), ("SLURM_JOB_ID", "42")));

    [Fact]
    public void Mpi_variables_win_over_torchrun_ones_left_in_the_environment() =>
        Assert.Equal(Launcher.OpenMpi, From(("OMPI_COMM_WORLD_RANK", "0"), ("OMPI_COMM_WORLD_SIZE", "2"), ("RANK", "5"), ("WORLD_SIZE", "9")).Launcher);

    [Theory]
    [InlineData("OMPI_COMM_WORLD_RANK", "2", "OMPI_COMM_WORLD_SIZE", "2", "OMPI_COMM_WORLD_RANK=2 is not below OMPI_COMM_WORLD_SIZE=2")]
    [InlineData("OMPI_COMM_WORLD_RANK", "one", "OMPI_COMM_WORLD_SIZE", "2", "OMPI_COMM_WORLD_RANK=one: expected a whole number >= 0")]
    [InlineData("PMI_RANK", "-1", "PMI_SIZE", "2", "PMI_RANK=-1: expected a whole number >= 0")]
    [InlineData("RANK", "0", "WORLD_SIZE", "2", "torchrun launch: MASTER_ADDR is not set")]
    public void Untrustworthy_environments_are_refused(string rankVar, string rank, string sizeVar, string size, string message) =>
        Assert.Equal(message, Assert.Throws<UserErrorException>(() => From((rankVar, rank), (sizeVar, size))).Message);

    [Fact]
    public void A_master_port_outside_tcp_is_refused() =>
        Assert.Contains("MASTER_PORT=70000: not a TCP port", Assert.Throws<UserErrorException>(() =>
            From(("RANK", "0"), ("WORLD_SIZE", "2"), ("MASTER_ADDR", "h"), ("MASTER_PORT", "70000"))).Message);
}
