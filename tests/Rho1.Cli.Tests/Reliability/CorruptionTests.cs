// A flipped byte or a truncation in a shard, a score file or a checkpoint is caught by its checksum before
// use: one line naming the file, exit 2, nothing written. --resume auto steps back past a damaged or
// incomplete newest checkpoint, says so, and still ends bit-identical to an undamaged run.

namespace Rho1.Cli.Tests.Reliability;

[Collection("reliability")]
public sealed class CorruptionTests(ReliabilityWorkspace w)
{
    /// <summary>Flips one byte in the middle of <paramref name="file"/>, or cuts its last 100 bytes.</summary>
    static void Damage(string file, string how)
    {
        byte[] bytes = File.ReadAllBytes(file);
        if (how == "flip")
        {
            bytes[bytes.Length / 2] ^= 0x10;
            File.WriteAllBytes(file, bytes);
        }
        else
            File.WriteAllBytes(file, bytes[..^100]);
    }

    static void CopyTree(string from, string to)
    {
        foreach (string dir in Directory.GetDirectories(from, "*", SearchOption.AllDirectories))
            Directory.CreateDirectory(Path.Combine(to, Path.GetRelativePath(from, dir)));
        Directory.CreateDirectory(to);
        foreach (string file in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
            File.Copy(file, Path.Combine(to, Path.GetRelativePath(from, file)));
    }

    /// <summary>Runs the CLI and asserts exit 2, one line naming <paramref name="file"/>, and no <paramref name="output"/> created.</summary>
    static void AssertRefused(string[] args, string file, string output)
    {
        var r = CliRunner.Run(args);
        Assert.True(r.ExitCode == 2, $"exit {r.ExitCode}: {r.Stderr}");
        string[] lines = r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 1, r.Stderr);
        Assert.StartsWith("rho1: error: ", lines[0]);
        Assert.Contains(file, lines[0]);
        Assert.False(Path.Exists(output), $"{output} was created");
    }

    [Theory]
    [InlineData("flip")]
    [InlineData("truncate")]
    public void A_damaged_shard_is_refused_by_train_score_and_eval_naming_it(string how)
    {
        string data = w.NewRun("noisy-" + how), output = w.NewRun("out");
        CopyTree(w.Noisy, data);
        string shard = Path.GetFileName(Directory.GetFiles(data, "train-*.bin").Order(StringComparer.Ordinal).First());
        Damage(Path.Combine(data, shard), how);
        AssertRefused(["train-ref", "--config", "tiny", "--data", data, "--out", output, "--device", "cpu", "--set", "train.peak_gflops=100"], shard, output);
        AssertRefused(["score", "--ref", w.Reference, "--data", data, "--out", output, "--device", "cpu"], shard, output);
        AssertRefused(["eval", "--model", w.Reference, "--data", data, "--split", "train", "--device", "cpu"], shard, output);
    }

    [Theory]
    [InlineData("flip")]
    [InlineData("truncate")]
    public void A_damaged_score_file_is_refused_naming_it(string how)
    {
        string scores = w.NewRun("scores-" + how), output = w.NewRun("out");
        CopyTree(w.Scores, scores);
        Damage(Path.Combine(scores, "scores.bin"), how);
        AssertRefused(["train", "--config", "tiny", "--data", w.Noisy, "--ref-scores", scores, "--ratio", "0.6", "--out", output, "--device", "cpu",
            "--set", "train.peak_gflops=100"], "scores.bin", output);
    }

    [Theory]
    [InlineData("flip", "model.bin")]
    [InlineData("truncate", "optimizer.bin")]
    [InlineData("flip", "state.json")]
    public void A_damaged_reference_checkpoint_is_refused_naming_the_file(string how, string file)
    {
        string reference = w.NewRun("ref-" + how), output = w.NewRun("out");
        CopyTree(w.Reference, reference);
        Damage(Path.Combine(reference, "final", file), how);
        AssertRefused(["score", "--ref", reference, "--data", w.Noisy, "--out", output, "--device", "cpu"], file, output);
        AssertRefused(["train", "--config", "tiny", "--data", w.Noisy, "--ref", Path.Combine(reference, "final"), "--ratio", "0.6", "--out", output,
            "--device", "cpu", "--set", "train.peak_gflops=100"], file, output);
    }

    string[] TrainRef(string run) =>
    [
        "train-ref", "--config", "tiny", "--data", w.Noisy, "--out", run, "--device", "cpu", "--quiet",
        "--set", "train.steps=12", "--set", "train.warmup_steps=2", "--set", "train.checkpoint_every=4", "--set", "train.keep_checkpoints=3", "--set", "train.log_every=2",
        "--set", "train.eval_every=6", .. ReliabilityWorkspace.Quick.SelectMany(q => new[] { "--set", q }),
    ];

    [Theory]
    [InlineData("flip", "model.bin", "model.bin fails its checksum")]
    [InlineData("truncate", "optimizer.bin", "optimizer.bin fails its checksum")]
    [InlineData("delete", "DONE", "incomplete (no DONE marker)")]
    public void Resume_auto_skips_a_damaged_newest_checkpoint_says_so_and_ends_identical(string how, string file, string problem)
    {
        string straight = w.NewRun("straight"), run = w.NewRun("damaged");
        Assert.Equal(0, CliRunner.Run(TrainRef(straight)).ExitCode);
        Assert.Equal(0, CliRunner.Run(TrainRef(run)).ExitCode);
        // The state of a run killed after step 8's checkpoint, whose newest checkpoint was then damaged.
        Directory.Delete(Path.Combine(run, "final"), recursive: true);
        File.Delete(Path.Combine(run, "summary.json"));
        string newest = Path.Combine(run, "checkpoints", "step-0000008");
        if (how == "delete")
            File.Delete(Path.Combine(newest, file));
        else
            Damage(Path.Combine(newest, file), how);

        var r = CliRunner.Run([.. TrainRef(run), "--resume", "auto"]);
        Assert.True(r.ExitCode == 0, r.Stderr);
        string[] lines = r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 1, r.Stderr);
        Assert.Contains("WRN skipping checkpoint", lines[0]);
        Assert.Contains($"step-0000008: {problem}", lines[0]);
        string log = File.ReadAllText(Path.Combine(run, "train.log"));
        Assert.Contains($"WRN skipping checkpoint {newest}: {problem}", log);
        Assert.Contains("resumed from " + Path.Combine(run, "checkpoints", "step-0000004"), log);
        RunComparison.AssertSameRun(straight, run);
    }
}
