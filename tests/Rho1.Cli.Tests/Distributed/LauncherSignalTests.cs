// SIGTERM to the launcher itself (what `kill` of an interactive job or a scheduler ending `mpirun` does): the
// launcher forwards it, every rank stops after the same step, rank 0 checkpoints it and the others wait for that
// before they exit 130. What the launcher then returns is its own, as docs/distributed.md says: Open MPI's mpirun 1;
// MPICH's hydra 130 or, racing its own teardown, 0. The start-up log tells the truth about MPI's collectives: they
// are watched (non-blocking calls polled), barriers excepted.
using System.Diagnostics;
using System.Text.RegularExpressions;
using Rho1.Cli.Tests.Reliability;
using Rho1.Model.Storage;
using Xunit.Abstractions;

namespace Rho1.Cli.Tests.Distributed;

[Collection("reliability")]
public sealed class LauncherSignalTests(ReliabilityWorkspace w, ITestOutputHelper output)
{
    [SkippableTheory]
    [InlineData("mpirun", new[] { 1 })]
    [InlineData("mpirun.mpich", new[] { 130, 0 })]
    public void A_sigterm_to_the_launcher_stops_every_rank_after_one_checkpointed_step(string launcher, int[] launcherExits)
    {
        Skip.If(launcher == "mpirun" ? MpiJob.Missing : MpiJob.MpichMissing, launcher == "mpirun" ? MpiJob.SkipReason : MpiJob.MpichSkipReason);
        string run = w.NewRun("dp-launcher-sigterm");
        string[] args = ["train-ref", "--config", "tiny", "--data", w.Noisy, "--out", run, "--device", "cpu", "--quiet",
            "--set", "train.steps=100000", "--set", "train.log_every=50", "--set", "train.eval_every=0", "--set", "train.peak_gflops=100",
            "--set", "train.checkpoint_every=10"];
        string[] command = launcher == "mpirun" ? MpiJob.Launcher(2) : [launcher, "-np", "2"];
        using var job = Rho1Process.Start(args, MpiJob.Variables, command);
        var clock = Stopwatch.StartNew();
        while (!Directory.Exists(Path.Combine(run, "checkpoints", "step-0000010")) && clock.Elapsed < TimeSpan.FromMinutes(2) && !job.HasExited)
            Thread.Sleep(50);
        Assert.False(job.HasExited, $"the job ended before its first checkpoint:\n{job.Stderr}");
        job.Terminate();
        Assert.True(job.WaitForExit(TimeSpan.FromSeconds(60)), $"the job still runs 60 s after SIGTERM to {launcher}:\n{job.Stderr}");
        output.WriteLine(job.Stderr);
        Assert.Contains(job.ExitCode, launcherExits);
        var stops = Regex.Matches(job.Stderr, @"^rho1: interrupted at step (\d+)", RegexOptions.Multiline).Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(2, stops.Count); // both ranks stopped on their own, after the same step
        Assert.Single(stops.Distinct());
        string checkpoint = Path.Combine(run, "checkpoints", $"step-{int.Parse(stops[0], System.Globalization.CultureInfo.InvariantCulture):D7}");
        Assert.Null(CheckpointFiles.Problem(checkpoint));
        Assert.Contains("a collective waits at most 600 s (train.collective_timeout_s; barriers, where one rank works alone, without a limit)", File.ReadAllText(Path.Combine(run, "train.log")));
    }
}
