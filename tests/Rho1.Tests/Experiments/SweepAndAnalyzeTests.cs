// `sweep` and `analyze` on generated data: the reports have the promised columns and agree with the runs.
using System.Globalization;
using Rho1.Evaluation.Dynamics;
using Rho1.Experiments;
using Rho1.Reference;
using Rho1.Tests.Training;
using Rho1.Training;
using Rho1.Training.Objectives;

namespace Rho1.Tests.Experiments;

[Collection("synthetic")]
public class SweepAndAnalyzeTests(SyntheticData data)
{
    [Fact]
    public void Sweep_writes_consistent_reports_and_reuses_finished_runs()
    {
        string reference = data.NewRunDir();
        new Trainer(new TrainOptions(TrainerTests.Tiny("train.steps=30", "train.eval_every=0"), data.Clean, reference, "cpu", TensorBoard: false), _ => new ClmObjective()).Run();
        string scores = data.NewRunDir();
        ReferenceScorer.Run(new ScoreOptions(reference, data.Noisy, scores, BatchSize: 64, Device: "cpu"));
        string outDir = data.NewRunDir();
        var config = TrainerTests.Tiny("train.steps=20", "train.eval_every=10");
        var options = new SweepOptions(new[] { 0.6, 1.0 }, config, data.Noisy, data.Heldout, outDir, null, scores, "cpu");
        var rows = Sweep.Run(options);

        Assert.Equal(new[] { 0.6, 1.0 }, rows.Select(r => r.Ratio));
        string[] csv = File.ReadAllLines(Path.Combine(outDir, "summary.csv"));
        Assert.Equal("ratio,final_heldout_loss,final_heldout_bpb,steps_to_baseline,steps,tokens_per_s,run", csv[0]);
        Assert.Equal(3, csv.Length);
        var curve = RunCurve.Read(Path.Combine(outDir, "ratio-1.00"));
        Assert.Equal(curve[^1].ValLoss, double.Parse(csv[2].Split(',')[1], CultureInfo.InvariantCulture), 4);
        Assert.Equal(RunCurve.FirstStepReaching(curve, rows[1].FinalLoss), rows[1].StepsToBaseline);
        Assert.Contains("| 0.60 |", File.ReadAllText(Path.Combine(outDir, "summary.md")));
        byte[] png = File.ReadAllBytes(Path.Combine(outDir, "loss-vs-tokens.png"));
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, png[..4]);

        var before = File.GetLastWriteTimeUtc(Path.Combine(outDir, "ratio-0.60", "summary.json"));
        Sweep.Run(options);
        Assert.Equal(before, File.GetLastWriteTimeUtc(Path.Combine(outDir, "ratio-0.60", "summary.json")));
    }

    [Fact]
    public void Analyze_shares_sum_to_one_and_match_the_classification()
    {
        string run = data.NewRunDir();
        new Trainer(new TrainOptions(TrainerTests.Tiny("train.steps=30", "train.eval_every=0", "train.checkpoint_every=10", "train.keep_checkpoints=5"),
            data.Clean, run, "cpu", TensorBoard: false), _ => new ClmObjective()).Run();
        string outDir = data.NewRunDir();
        var r = Analyze.Run(new AnalyzeOptions([Path.Combine(run, "checkpoints", "step-0000010"), Path.Combine(run, "checkpoints", "step-0000020"), Path.Combine(run, "final")],
            data.Heldout, outDir, Split: "train", MaxTokens: 4096, Device: "cpu"));
        Assert.Equal(4096, r.Tokens);
        Assert.Equal(1.0, r.Shares.Values.Sum(), 9);
        Assert.True(r.Shares["H->L"] > 0.5, "early training: most held-out tokens should be falling");
        foreach (string f in new[] { "token-categories.json", "token-categories.md", "token-categories.png" })
            Assert.True(File.Exists(Path.Combine(outDir, f)), f);
    }
}
