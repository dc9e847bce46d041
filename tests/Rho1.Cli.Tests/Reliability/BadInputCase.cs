// One row of the bad-input matrix: a command line built against the shared workspace, and the fragments its
// one-line error must contain (the file, key or value at fault). Listed in docs/reliability.md by Name.

namespace Rho1.Cli.Tests.Reliability;

public sealed record BadInputCase(string Name, string Problem, Func<ReliabilityWorkspace, string[]> Args, string[] Expect)
{
    /// <summary>An output path inside the snapshotted tree, so that creating it would be noticed.</summary>
    public static string Out(ReliabilityWorkspace w) => Path.Combine(w.Fixed, "out");
}
