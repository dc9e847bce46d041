// quickstart on a shortened run: the whole pipeline's files exist, the table agrees with the runs, and the
// output directory is replaced only if quickstart made it, only with --force, and only once the new one is complete.
using System.Text.Json.Nodes;
using Rho1.Experiments;
using Rho1.Tests.Fixtures;

namespace Rho1.Tests.Experiments;

public class QuickstartTests
{
    [Fact]
    public void A_short_quickstart_trains_scores_and_compares_consistently()
    {
        using var temp = new TempDirectory();
        string outDir = Path.Combine(temp.Path, "qs");
        var options = new QuickstartOptions(outDir, Path.Combine(AppContext.BaseDirectory, "configs", "tiny.json"),
            ["train.steps=40", "train.eval_every=20", "train.peak_gflops=100"], "cpu", Seed: 7);
        var r = Quickstart.Run(options);

        Assert.Equal(40, r.Steps);
        Assert.Equal([1.0, 0.6], r.Rows.Select(row => row.Ratio));
        foreach (string f in new[] { "runs/reference/final/DONE", "runs/scores/DONE", "runs/scores/scores.bin", "data/heldout/meta.json" })
            Assert.True(File.Exists(Path.Combine(outDir, f)), f);
        foreach (var row in r.Rows)
        {
            var summary = JsonNode.Parse(File.ReadAllText(Path.Combine(row.Dir, "summary.json")))!;
            Assert.Equal(row.HeldoutLoss, summary["final_val_loss"]!.GetValue<double>());
            Assert.Equal(40, summary["steps"]!.GetValue<int>());
            Assert.Equal(row.Ratio, summary["objective"]!["ratio"]!.GetValue<double>());
            var curve = RunCurve.Read(row.Dir);
            Assert.Equal([20, 40], curve.Select(p => p.Step));
            Assert.Equal(RunCurve.FirstStepReaching(curve, r.Rows[0].HeldoutLoss), row.StepsToBaseline);
        }
        var slm = JsonNode.Parse(File.ReadAllText(Path.Combine(r.Rows[1].Dir, "summary.json")))!["objective"]!;
        Assert.Equal("offline", slm["reference_mode"]!.GetValue<string>());
        Assert.Equal(40, r.Rows[0].StepsToBaseline); // the baseline reaches its own final loss at its last evaluation at the latest

        // A second quickstart is refused without --force, and the first is untouched.
        string marker = File.ReadAllText(Path.Combine(outDir, "quickstart.json"));
        Assert.Contains("pass --force to replace it", Assert.Throws<UserErrorException>(() => Quickstart.Run(options)).Message);
        Assert.Equal(marker, File.ReadAllText(Path.Combine(outDir, "quickstart.json")));
        // With --force, one stopped part-way (here before its first training step) leaves the first as it was, and no
        // half-built folder beside it.
        using (var stop = new CancellationTokenSource())
        {
            stop.Cancel();
            Assert.Throws<InterruptedException>(() => Quickstart.Run(options with { Force = true }, stop.Token));
        }
        Assert.Equal(marker, File.ReadAllText(Path.Combine(outDir, "quickstart.json")));
        Assert.True(File.Exists(Path.Combine(outDir, "runs", "slm-0.6", "summary.json")));
        Assert.Equal(["qs"], Directory.GetFileSystemEntries(temp.Path).Select(Path.GetFileName));
        // One that completes replaces it, with the same results (same seed) and the rows pointing into --out.
        var again = Quickstart.Run(options with { Force = true });
        Assert.Equal(r.Rows.Select(row => row.HeldoutLoss), again.Rows.Select(row => row.HeldoutLoss));
        Assert.NotEqual(marker, File.ReadAllText(Path.Combine(outDir, "quickstart.json")));
        Assert.All(again.Rows, row => Assert.StartsWith(outDir, row.Dir));
        Assert.Equal(["qs"], Directory.GetFileSystemEntries(temp.Path).Select(Path.GetFileName));
        // A directory it did not make is refused untouched, --force or not.
        string foreign = Path.Combine(temp.Path, "mine");
        Directory.CreateDirectory(foreign);
        File.WriteAllText(Path.Combine(foreign, "notes.txt"), "keep");
        Assert.Throws<UserErrorException>(() => Quickstart.Run(options with { OutDir = foreign, Force = true }));
        Assert.Equal("keep", File.ReadAllText(Path.Combine(foreign, "notes.txt")));
    }
}
