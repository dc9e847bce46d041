// Continual pretraining resumes like any run (issue 41): a run started with --init from a Hugging Face model,
// stopped by SIGTERM or SIGKILL at a seeded random step and restarted with the identical command, ends
// bit-identical to the uninterrupted run. A --init of another shape on resume is refused in one line; without --init
// the shape comes from the checkpoint.
using System.Diagnostics;
using Xunit.Abstractions;

namespace Rho1.Cli.Tests.Reliability;

[Collection("reliability")]
public sealed class ContinualResumeTests(ReliabilityWorkspace w, ITestOutputHelper output)
{
    /// <summary>SLM with offline scores, continuing from <paramref name="init"/>: the paper's continual-pretraining workflow, small.</summary>
    string[] Continual(string run, string init) =>
    [
        "train", "--config", "tiny", "--init", init, "--data", w.Noisy, "--out", run, "--device", "cpu", "--quiet",
        "--ref-scores", w.Scores, "--ratio", "0.6", "--resume", "auto",
        "--set", "train.steps=30", "--set", "train.checkpoint_every=4", "--set", "train.keep_checkpoints=2", "--set", "train.log_every=1",
        "--set", "train.eval_every=10", "--set", "train.eval_batches=2", "--set", "train.peak_gflops=100",
    ];

    static int LoggedSteps(string run)
    {
        string metrics = Path.Combine(run, "metrics.jsonl");
        try { return File.Exists(metrics) ? File.ReadAllLines(metrics).Count(l => l.Contains("\"loss\"", StringComparison.Ordinal)) : 0; }
        catch (IOException) { return 0; }
    }

    /// <summary>Runs the command and stops it with <paramref name="stop"/> once <paramref name="steps"/> steps are logged; false if it finished first.</summary>
    static bool StopAfter(string[] args, string run, int steps, Action<Rho1Process> stop, out Rho1Process stopped)
    {
        var p = stopped = Rho1Process.Start(args);
        var clock = Stopwatch.StartNew();
        while (LoggedSteps(run) < steps && !p.HasExited && clock.Elapsed < TimeSpan.FromMinutes(2))
            Thread.Sleep(10);
        if (p.HasExited) return false;
        stop(p);
        Assert.True(p.WaitForExit(TimeSpan.FromMinutes(1)), "did not stop within a minute");
        return true;
    }

    /// <summary>SIGTERM once <paramref name="steps"/> steps are logged; returns the interrupted attempt's stderr.</summary>
    static string TerminateAfter(string[] args, string run, int steps)
    {
        Assert.True(StopAfter(args, run, steps, p => p.Terminate(), out var p), "finished before the SIGTERM");
        using (p)
        {
            Assert.True(p.ExitCode == 130, $"exit {p.ExitCode} after SIGTERM at step {steps}:\n{p.Stderr}");
            return p.Stderr;
        }
    }

    void InterruptedContinualRunEqualsUninterrupted(string name, string init, int seed)
    {
        string straight = w.NewRun(name + "-straight"), stopped = w.NewRun(name + "-sigterm"), killed = w.NewRun(name + "-killed");
        var (code, stderr) = Rho1Process.Run(Continual(straight, init), TimeSpan.FromMinutes(3));
        Assert.True(code == 0, stderr);

        var rng = new Random(seed);
        int at = rng.Next(5, 26);
        string said = TerminateAfter(Continual(stopped, init), stopped, at);
        Assert.Contains("continue with --resume auto", said);
        var (resumedCode, resumedErr) = Rho1Process.Run(Continual(stopped, init), TimeSpan.FromMinutes(3));
        Assert.True(resumedCode == 0, resumedErr);
        RunComparison.AssertSameRun(straight, stopped);

        // SIGKILL at three seeded random steps (in order, so each attempt gets further), each resumed with the same command.
        var kills = new List<string>();
        foreach (int step in Enumerable.Range(0, 3).Select(_ => rng.Next(5, 29)).Order())
        {
            bool landed = StopAfter(Continual(killed, init), killed, step, p => p.Kill(), out var p);
            p.Dispose();
            if (!landed) break;
            kills.Add($"killed after {step} logged steps; left {string.Join(" ", RunComparison.Checkpoints(killed).Concat(RunComparison.Leftovers(killed)))}");
        }
        (resumedCode, resumedErr) = Rho1Process.Run(Continual(killed, init), TimeSpan.FromMinutes(3));
        Assert.True(resumedCode == 0, resumedErr);
        output.WriteLine($"{name}: SIGTERM after {at} logged steps\n{string.Join("\n", kills)}");
        Assert.True(kills.Count(k => k.Contains("checkpoints/step-", StringComparison.Ordinal)) >= 2, $"fewer than 2 kills left a checkpoint to resume from:\n{string.Join("\n", kills)}");
        RunComparison.AssertSameRun(straight, killed);
        Assert.Empty(RunComparison.Leftovers(killed));
    }

    [Fact]
    public void Continual_run_from_a_mistral_model_interrupted_and_resumed_ends_bit_identical() =>
        InterruptedContinualRunEqualsUninterrupted("continual-mistral", w.HfMistral, seed: 41);

    [Fact]
    public void Continual_run_from_a_qwen3_model_interrupted_and_resumed_ends_bit_identical() =>
        InterruptedContinualRunEqualsUninterrupted("continual-qwen3", w.HfQwen3, seed: 42);

    string[] ContinualSweep(string outDir) =>
    [
        "sweep", "--config", "tiny", "--init", w.HfMistral, "--data", w.Noisy, "--eval-data", w.Clean, "--out", outDir, "--device", "cpu", "--quiet",
        "--ref-scores", w.Scores, "--ratios", "0.6,1.0", "--final-eval-batches", "2",
        "--set", "train.steps=24", "--set", "train.checkpoint_every=4", "--set", "train.log_every=1",
        "--set", "train.eval_every=8", "--set", "train.eval_batches=2", "--set", "train.peak_gflops=100",
    ];

    /// <summary>A sweep's summary.csv without its timing column (tokens_per_s).</summary>
    static string[] SummaryWithoutTimings(string outDir)
    {
        var lines = File.ReadAllLines(Path.Combine(outDir, "summary.csv"));
        int timing = Array.IndexOf(lines[0].Split(','), "tokens_per_s");
        return [.. lines.Select(l => string.Join(",", l.Split(',').Where((_, i) => i != timing)))];
    }

    [Fact]
    public void Continual_sweep_interrupted_in_each_run_and_rerun_ends_with_the_uninterrupted_summary()
    {
        string straight = w.NewRun("sweep-straight"), stopped = w.NewRun("sweep-stopped");
        var (code, stderr) = Rho1Process.Run(ContinualSweep(straight), TimeSpan.FromMinutes(5));
        Assert.True(code == 0, stderr);

        // SIGTERM inside the first run, SIGKILL inside the second, each followed by the same command again.
        string first = Path.Combine(stopped, "ratio-0.60"), second = Path.Combine(stopped, "ratio-1.00");
        Assert.True(StopAfter(ContinualSweep(stopped), first, 10, p => p.Terminate(), out var p1), "the sweep finished before the SIGTERM");
        using (p1) Assert.True(p1.ExitCode == 130, p1.Stderr);
        Assert.True(StopAfter(ContinualSweep(stopped), second, 14, p => p.Kill(), out var p2), "the sweep finished before the SIGKILL");
        p2.Dispose();
        Assert.False(File.Exists(Path.Combine(second, "summary.json")));
        (code, stderr) = Rho1Process.Run(ContinualSweep(stopped), TimeSpan.FromMinutes(5));
        Assert.True(code == 0, stderr);

        Assert.Equal(SummaryWithoutTimings(straight), SummaryWithoutTimings(stopped));
        foreach (string run in new[] { "ratio-0.60", "ratio-1.00" })
            RunComparison.AssertSameRun(Path.Combine(straight, run), Path.Combine(stopped, run));
        // A finished sweep run again is reused as it is.
        var before = TreeSnapshot.Take(first);
        (code, stderr) = Rho1Process.Run(ContinualSweep(stopped), TimeSpan.FromMinutes(5));
        Assert.True(code == 0, stderr);
        Assert.Equal("", TreeSnapshot.Take(first).Changes(before));
    }

    [Fact]
    public void Resume_with_another_init_is_refused_in_one_line_and_without_one_takes_the_checkpoints_shape()
    {
        string run = w.NewRun("continual-refused");
        TerminateAfter(Continual(run, w.HfMistral), run, 3);
        var before = TreeSnapshot.Take(run);

        var (code, stderr) = Rho1Process.Run(Continual(run, w.HfQwen3), TimeSpan.FromMinutes(2));
        Assert.Equal(2, code);
        string line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains($"--init {w.HfQwen3} is not the model checkpoint", line);
        Assert.Contains("model.family \"mistral\" → \"qwen3\"", line);
        Assert.Contains($"resume with the --init the run started from ({w.HfMistral})", line);

        Assert.Equal("", TreeSnapshot.Take(run).Changes(before));

        // Without --init (the model moved away, say) the shape comes from the checkpoint: the run resumes, and ends as it would have.
        string[] withoutInit = [.. Continual(run, w.HfMistral).Where((_, i) => i is not (3 or 4))];
        (code, stderr) = Rho1Process.Run([.. withoutInit, "--set", "model.dim=48"], TimeSpan.FromMinutes(2));
        Assert.Equal(2, code);
        Assert.Contains("--set model.dim=48 conflicts with checkpoint", Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
        (code, stderr) = Rho1Process.Run(withoutInit, TimeSpan.FromMinutes(2));
        Assert.True(code == 0, stderr);
        string straight = w.NewRun("continual-straight");
        Assert.Equal(0, Rho1Process.Run(Continual(straight, w.HfMistral), TimeSpan.FromMinutes(3)).ExitCode);
        RunComparison.AssertSameRun(straight, run);
    }
}
