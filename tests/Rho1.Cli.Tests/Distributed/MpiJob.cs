// Runs `rho1` under Open MPI's mpirun on this machine (loopback, oversubscribed), as a test's job; finds the
// process of a given rank, so that a test can kill it. Tests that need it skip where mpirun is not installed.
using System.Globalization;

namespace Rho1.Cli.Tests.Distributed;

public static class MpiJob
{
    public const string SkipReason = "Open MPI's mpirun is not installed (Debian: apt-get install openmpi-bin libopenmpi3; .ci/run installs it)";

    public const string MpichSkipReason = "MPICH's mpirun.mpich is not installed (Debian: apt-get install mpich; .ci/run installs it)";

    public static bool Missing => !OnPath("mpirun");

    public static bool MpichMissing => !OnPath("mpirun.mpich");

    static bool OnPath(string program) => (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin")
        .Split(':', StringSplitOptions.RemoveEmptyEntries).Any(d => File.Exists(Path.Combine(d, program)));

    /// <summary>CI runs as root, which mpirun refuses unless told that it is meant.</summary>
    public static readonly IReadOnlyDictionary<string, string> Variables = new Dictionary<string, string>
    {
        ["OMPI_ALLOW_RUN_AS_ROOT"] = "1",
        ["OMPI_ALLOW_RUN_AS_ROOT_CONFIRM"] = "1",
        ["OMPI_MCA_btl_vader_single_copy_mechanism"] = "none", // containers often forbid the cross-process memory calls
    };

    /// <summary>mpirun with <paramref name="processes"/> ranks on this machine, one core each where there are enough.</summary>
    public static string[] Launcher(int processes) => ["mpirun", "-np", processes.ToString(CultureInfo.InvariantCulture), "--oversubscribe"];

    /// <summary>The pid of the process of rank <paramref name="rank"/> under <paramref name="mpirunPid"/>, or null while it has not started.</summary>
    public static int? RankPid(int mpirunPid, int rank)
    {
        foreach (string dir in Directory.GetDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out int pid)) continue;
            try
            {
                string stat = File.ReadAllText(Path.Combine(dir, "stat"));
                int parent = int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1], CultureInfo.InvariantCulture);
                if (parent != mpirunPid) continue;
                string environ = File.ReadAllText(Path.Combine(dir, "environ"));
                if (environ.Split('\0').Contains($"OMPI_COMM_WORLD_RANK={rank}")) return pid;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { } // it exited meanwhile
        }
        return null;
    }
}
