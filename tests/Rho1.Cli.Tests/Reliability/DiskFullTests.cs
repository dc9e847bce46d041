// Disk full while checkpointing, simulated through AtomicFile's fault seam (root ignores permissions, so chmod
// cannot make a write fail): the run stops with exit 1 and one line naming the checkpoint, the previous
// checkpoint stays complete, and resuming from it once space is back ends exactly where an unbroken run ends.
using Rho1.IO;
using Rho1.Model.Storage;
using Rho1.Training.Runs;

namespace Rho1.Cli.Tests.Reliability;

[Collection("reliability")]
public sealed class DiskFullTests(ReliabilityWorkspace w)
{
    string[] TrainRef(string run) =>
    [
        "train-ref", "--config", "tiny", "--data", w.Noisy, "--out", run, "--device", "cpu", "--quiet",
        "--set", "train.steps=12", "--set", "train.warmup_steps=2", "--set", "train.checkpoint_every=4", "--set", "train.log_every=2", "--set", "train.eval_every=6",
        .. ReliabilityWorkspace.Quick.SelectMany(q => new[] { "--set", q }),
    ];

    [Fact]
    public void A_checkpoint_write_failing_for_lack_of_space_exits_1_and_keeps_the_previous_checkpoint()
    {
        string straight = w.NewRun("diskfull-straight"), run = w.NewRun("diskfull");
        Assert.Equal(0, CliRunner.Run(TrainRef(straight)).ExitCode);

        // The second checkpoint's optimizer state hits a full disk after its model weights were written.
        AtomicFile.InjectFault = path => path.StartsWith(run, StringComparison.Ordinal) && path.Contains(".tmp-step-0000008", StringComparison.Ordinal)
            && path.EndsWith(CheckpointFiles.OptimizerFile, StringComparison.Ordinal) ? new IOException("No space left on device") : null;
        CliResult r;
        try { r = CliRunner.Run(TrainRef(run)); }
        finally { AtomicFile.InjectFault = null; }

        Assert.Equal(1, r.ExitCode);
        string[] lines = r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 1, r.Stderr);
        Assert.StartsWith("rho1: failed: ", lines[0]);
        foreach (string fragment in new[] { "writing checkpoint", "step-0000008", "No space left on device", "step-0000004 is intact", "--resume auto" })
            Assert.Contains(fragment, lines[0]);
        Assert.Null(CheckpointFiles.Problem(Path.Combine(run, "checkpoints", "step-0000004")));
        Assert.Equal(["checkpoints/step-0000004"], RunComparison.Checkpoints(run));
        Assert.Empty(RunComparison.Leftovers(run)); // the half-written checkpoint was removed

        Assert.Equal(0, CliRunner.Run([.. TrainRef(run), "--resume", "auto"]).ExitCode);
        RunComparison.AssertSameRun(straight, run);
    }
}
