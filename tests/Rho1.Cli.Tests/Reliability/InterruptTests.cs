// A SIGTERM (or Ctrl-C) is a request to stop cleanly: training finishes its step, writes a checkpoint and says
// how to continue; scoring keeps its progress; both exit 130, and the resumed work ends where it would have.
using Rho1.Model.Storage;

namespace Rho1.Cli.Tests.Reliability;

[Collection("reliability")]
public sealed class InterruptTests(ReliabilityWorkspace w)
{
    static bool WaitFor(Func<bool> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (condition()) return true;
            Thread.Sleep(50);
        }
        return false;
    }

    [Fact]
    public void Sigterm_during_training_checkpoints_the_finished_steps_and_exits_130()
    {
        string run = w.NewRun("sigterm");
        string[] args = ["train-ref", "--config", "tiny", "--data", w.Clean, "--out", run, "--device", "cpu", "--set", "train.peak_gflops=100",
            "--set", "train.steps=100000", "--set", "train.checkpoint_every=0", "--set", "train.eval_every=0", "--set", "train.log_every=5"];
        using var p = Rho1Process.Start(args);
        string metrics = Path.Combine(run, "metrics.jsonl");
        Assert.True(WaitFor(() => File.Exists(metrics) && File.ReadAllLines(metrics).Length >= 2, TimeSpan.FromMinutes(2)), p.Stderr);
        p.Terminate();
        Assert.True(p.WaitForExit(TimeSpan.FromMinutes(1)), "did not stop within a minute of SIGTERM");
        Assert.Equal(130, p.ExitCode);
        var line = p.Stderr.Split('\n').Last(l => l.StartsWith("rho1: interrupted at step", StringComparison.Ordinal));
        Assert.Contains("continue with --resume auto", line);
        string checkpoint = Directory.GetDirectories(Path.Combine(run, "checkpoints"), "step-*").Single();
        Assert.Null(CheckpointFiles.Problem(checkpoint));
        Assert.Contains($"checkpoint {checkpoint};", line);
        int step = int.Parse(Path.GetFileName(checkpoint)["step-".Length..], System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(step >= 10, $"stopped at step {step}, before the logged steps");
        Assert.Contains($"interrupted at step {step};", line);
    }

    [Fact]
    public void Sigterm_during_scoring_keeps_the_progress_and_a_rerun_finishes_it()
    {
        string output = w.NewRun("scores");
        string[] args = ["score", "--ref", w.Reference, "--data", w.Noisy, "--out", output, "--device", "cpu", "--batch-size", "1", "--seq-len", "8", "--save-every", "3600"];
        using (var p = Rho1Process.Start(args))
        {
            Assert.True(WaitFor(() => Directory.Exists(output + ".partial"), TimeSpan.FromMinutes(2)), p.Stderr);
            Thread.Sleep(300);
            p.Terminate();
            Assert.True(p.WaitForExit(TimeSpan.FromMinutes(1)));
            Assert.Equal(130, p.ExitCode);
            Assert.Contains("progress saved in", p.Stderr);
            Assert.True(File.Exists(Path.Combine(output + ".partial", "progress-0.json")), "progress-0.json was not written on SIGTERM");
        }
        var (code, stderr) = Rho1Process.Run(args, TimeSpan.FromMinutes(3));
        Assert.True(code == 0, stderr);
        Assert.Contains("resuming scoring: ", stderr);
        // The resumed file equals one scored in one go (batch size does not change the values).
        string straight = w.NewRun("scores-straight");
        Assert.Equal(0, Rho1Process.Run(["score", "--ref", w.Reference, "--data", w.Noisy, "--out", straight, "--device", "cpu", "--batch-size", "64", "--seq-len", "8"], TimeSpan.FromMinutes(3)).ExitCode);
        Assert.Equal(File.ReadAllBytes(Path.Combine(straight, "scores.bin")), File.ReadAllBytes(Path.Combine(output, "scores.bin")));
    }
}
