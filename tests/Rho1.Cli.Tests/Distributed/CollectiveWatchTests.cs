// The collective watch on MPI, with real `mpirun -np 2` and failures on purpose (RHO1_FAULT): a rank stopped with SIGSTOP
// ends the job within train.collective_timeout_s + 30 s, every rank non-zero, in a line naming it, and the newest
// checkpoint resumes to the uninterrupted run exactly; a rank-0 evaluation four times longer than the watch does not end
// the job, which finishes with one process's losses. The whole matrix is scripts/fault-matrix.sh (docs/reliability.md).
using System.Diagnostics;
using System.Text.Json.Nodes;
using Rho1.Cli.Tests.Reliability;

namespace Rho1.Cli.Tests.Distributed;

[Collection("reliability")]
public sealed class CollectiveWatchTests(ReliabilityWorkspace w)
{
    string[] Train(string run, params string[] extra) =>
    [
        "train-ref", "--config", "tiny", "--data", w.Noisy, "--eval-data", w.Clean, "--out", run, "--device", "cpu", "--quiet",
        "--set", "train.steps=20", "--set", "train.eval_every=5", "--set", "train.eval_batches=4", "--set", "train.checkpoint_every=5",
        "--set", "train.keep_checkpoints=10", "--set", "train.log_every=1", "--set", "train.peak_gflops=100", "--set", "train.collective_timeout_s=5", .. extra,
    ];

    static Dictionary<string, string> Fault(string fault) => new(MpiJob.Variables) { ["RHO1_FAULT"] = fault };

    static IEnumerable<string> Deterministic(string run) => File.ReadLines(Path.Combine(run, "metrics.jsonl")).Select(line =>
    {
        var o = JsonNode.Parse(line)!.AsObject();
        foreach (string key in new[] { "tokens_per_s", "mfu", "allreduce_s", "rank_step_s_min", "rank_step_s_max" }) o.Remove(key);
        return o.ToJsonString();
    });

    [SkippableFact]
    public void A_stopped_rank_is_named_and_ends_the_job_within_the_watch_then_the_run_resumes_exactly()
    {
        Skip.If(MpiJob.Missing, MpiJob.SkipReason);
        string straight = w.NewRun("watch-straight"), stopped = w.NewRun("watch-stopped");
        var (code, stderr) = Rho1Process.Run(Train(straight), TimeSpan.FromMinutes(3), MpiJob.Variables, MpiJob.Launcher(2));
        Assert.True(code == 0, stderr);

        var clock = Stopwatch.StartNew();
        (code, stderr) = Rho1Process.Run(Train(stopped), TimeSpan.FromMinutes(3), Fault("step:1:stop:12"), MpiJob.Launcher(2));
        Assert.NotEqual(0, code);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5 + 30), $"the job took {clock.Elapsed} to end");
        Assert.Contains("rank 0: MPI_Iallreduce at step 12 did not complete within 5 s (train.collective_timeout_s): rank 1 did not answer a roll call", stderr);

        (code, stderr) = Rho1Process.Run(Train(stopped, "--resume", "auto"), TimeSpan.FromMinutes(3), MpiJob.Variables, MpiJob.Launcher(2));
        Assert.True(code == 0, stderr);
        Assert.Contains("resumed from", File.ReadAllText(Path.Combine(stopped, "train.log")));
        Assert.Equal(Deterministic(straight), Deterministic(stopped));
    }

    [SkippableFact]
    public void A_rank_0_evaluation_longer_than_the_watch_does_not_end_the_job()
    {
        Skip.If(MpiJob.Missing, MpiJob.SkipReason);
        string one = w.NewRun("slow-eval-1"), two = w.NewRun("slow-eval-2");
        var (code, stderr) = Rho1Process.Run(Train(one), TimeSpan.FromMinutes(3));
        Assert.True(code == 0, stderr);
        // Rank 0 sleeps 20 s in its first evaluation batch; rank 1, done with its share, waits in a barrier without a deadline.
        (code, stderr) = Rho1Process.Run(Train(two), TimeSpan.FromMinutes(3), Fault("eval:0:sleep=20"), MpiJob.Launcher(2));
        Assert.True(code == 0, stderr);
        Assert.Contains("RHO1_FAULT: rank 0 sleep=20 at eval", stderr);
        var a = File.ReadLines(Path.Combine(one, "metrics.jsonl")).Select(l => JsonNode.Parse(l)!.AsObject()).ToList();
        var b = File.ReadLines(Path.Combine(two, "metrics.jsonl")).Select(l => JsonNode.Parse(l)!.AsObject()).ToList();
        Assert.Equal(a.Count, b.Count);
        foreach (var (x, y) in a.Zip(b))
            foreach (string key in new[] { "loss", "val_loss" }.Where(x.ContainsKey))
                Assert.Equal(1.0, y[key]!.GetValue<double>() / x[key]!.GetValue<double>(), 5);
    }
}
