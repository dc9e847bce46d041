// Kill anywhere, resume exactly: real `rho1` processes are SIGKILLed at seeded random moments and in the middle
// of checkpoint writes, restarted with --resume auto each time, and must end bit-identical to an uninterrupted
// run (metrics, summary, weights, optimizer state): train-ref (also with train.zero=2's bf16 weights over sharded fp32
// masters, two micro-batches per step), SLM with offline and online reference, and score.
using System.Diagnostics;
using System.Text.Json.Nodes;
using Xunit.Abstractions;

namespace Rho1.Cli.Tests.Reliability;

[Collection("reliability")]
public sealed class KillResumeTests(ReliabilityWorkspace w, ITestOutputHelper output)
{
    static string[] Train(string verb, string data, string run, string[] extra) =>
    [
        verb, "--config", "tiny", "--data", data, "--out", run, "--device", "cpu", "--quiet",
        "--set", "train.steps=60", "--set", "train.checkpoint_every=4", "--set", "train.keep_checkpoints=2", "--set", "train.log_every=2",
        "--set", "train.eval_every=10", "--set", "train.eval_batches=2", "--set", "train.peak_gflops=100", .. extra,
    ];

    void KilledRunEqualsUninterrupted(string name, string verb, int seed, params string[] extra)
    {
        string straight = w.NewRun(name + "-straight"), killed = w.NewRun(name + "-killed");
        var clock = Stopwatch.StartNew();
        var (code, stderr) = Rho1Process.Run(Train(verb, w.Noisy, straight, extra), TimeSpan.FromMinutes(3));
        Assert.True(code == 0, stderr);
        var loop = new KillLoop([.. Train(verb, w.Noisy, killed, extra), "--resume", "auto"], seed)
        {
            Typical = clock.Elapsed,
            UntilMidWrite = true,
            // A checkpoint being written is a hidden .tmp- directory beside the finished ones.
            PartialWrites = () => RunComparison.Leftovers(killed).Where(p => Path.GetFileName(p).StartsWith(".tmp-", StringComparison.Ordinal)),
            Describe = () => string.Join(" ", RunComparison.Checkpoints(killed).Concat(RunComparison.Leftovers(killed))),
        };
        loop.Run();
        output.WriteLine($"{name}: uninterrupted {clock.Elapsed.TotalSeconds:F1}s\n{loop}");
        Assert.True(loop.Events.Count >= 2, $"only {loop.Events.Count} kills landed:\n{loop}");
        Assert.True(loop.Events.Any(e => e.MidWrite), $"no kill landed inside a checkpoint write:\n{loop}");
        RunComparison.AssertSameRun(straight, killed);
        Assert.Empty(RunComparison.Leftovers(killed));
    }

    [Fact]
    public void Train_ref_killed_at_random_ends_bit_identical() =>
        KilledRunEqualsUninterrupted("train-ref", "train-ref", seed: 1);

    [Fact]
    public void Slm_with_offline_scores_and_global_threshold_killed_at_random_ends_bit_identical() =>
        KilledRunEqualsUninterrupted("slm-offline", "train", seed: 2, "--ref-scores", w.Scores, "--ratio", "0.6", "--select", "global");

    [Fact]
    public void Slm_with_online_reference_killed_at_random_ends_bit_identical() =>
        KilledRunEqualsUninterrupted("slm-online", "train", seed: 3, "--ref", w.Reference, "--ratio", "0.6");

    [Fact]
    public void Train_ref_with_sharded_master_weights_killed_at_random_ends_bit_identical() =>
        KilledRunEqualsUninterrupted("zero2", "train-ref", seed: 4, "--zero", "2", "--set", "train.precision=bf16", "--set", "train.grad_accum=2");

    [Fact]
    public void Score_killed_at_random_ends_with_identical_bytes()
    {
        string straight = w.NewRun("score-straight"), killed = w.NewRun("score-killed");
        string[] Args(string output) => ["score", "--ref", w.Reference, "--data", w.Noisy, "--out", output, "--device", "cpu", "--quiet", "--batch-size", "16", "--save-every", "0"];
        var clock = Stopwatch.StartNew();
        var (code, stderr) = Rho1Process.Run(Args(straight), TimeSpan.FromMinutes(3));
        Assert.True(code == 0, stderr);
        string partial = killed + ".partial";
        var resumePoints = new List<long>();
        var loop = new KillLoop(Args(killed), seed: 4)
        {
            Typical = clock.Elapsed,
            // progress-0.json is replaced through a hidden temporary file after every batch.
            PartialWrites = () => Directory.Exists(partial) ? Directory.GetFiles(partial, ".progress-0.json.tmp-*") : [],
            Finished = () => Directory.Exists(killed) && !Directory.Exists(partial),
            Describe = () =>
            {
                if (!Directory.Exists(partial)) return Directory.Exists(killed) ? "published" : "nothing";
                long? done = WindowsDone(partial);
                if (done is { } d) resumePoints.Add(d);
                return $"progress {done?.ToString() ?? "none"}; files {string.Join(" ", Directory.GetFiles(partial).Select(Path.GetFileName))}";
            },
        };
        loop.Run();
        output.WriteLine($"score: uninterrupted {clock.Elapsed.TotalSeconds:F1}s\n{loop}");
        Assert.True(loop.Events.Count >= 2, $"only {loop.Events.Count} kills landed:\n{loop}");
        Assert.True(resumePoints.Any(d => d > 0), $"no kill left progress to resume from:\n{loop}");
        foreach (string file in new[] { "scores.bin", "meta.json", "DONE" })
            Assert.True(File.ReadAllBytes(Path.Combine(straight, file)).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(killed, file))), $"{file} differs");
        Assert.False(Directory.Exists(partial));
        Assert.Equal(Directory.GetFiles(straight).Select(Path.GetFileName).Order(), Directory.GetFiles(killed).Select(Path.GetFileName).Order());
    }

    /// <summary>Windows recorded as done in the one process's progress file (its ranges summed), or null.</summary>
    static long? WindowsDone(string partial)
    {
        string path = Path.Combine(partial, "progress-0.json");
        try
        {
            return File.Exists(path) ? JsonNode.Parse(File.ReadAllText(path))!["done"]!.AsArray().Sum(r => r![1]!.GetValue<long>() - r[0]!.GetValue<long>()) : null;
        }
        catch (Exception e) when (e is IOException or System.Text.Json.JsonException) { return null; }
    }
}
