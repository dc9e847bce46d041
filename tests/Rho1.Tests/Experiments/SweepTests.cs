// `sweep` on generated data: the reports have the promised columns and agree with the runs.
using System.Globalization;
using Rho1.Experiments;
using Rho1.Reference;
using Rho1.Tests.Fixtures;
using Rho1.Training;
using Rho1.Training.Objectives;

namespace Rho1.Tests.Experiments;

[Collection("synthetic")]
public class SweepTests(SyntheticData data)
{
    [Fact]
    public void Sweep_writes_consistent_reports_and_reuses_finished_runs()
    {
        string reference = TinyRun.TrainPlain(data, data.Clean, 30);
        string scores = data.NewRunDir();
        ReferenceScorer.Run(new ScoreOptions(reference, data.Noisy, scores, BatchSize: 64, Device: "cpu"));
        string outDir = data.NewRunDir();
        var config = TinyRun.Config("train.steps=20", "train.eval_every=10");
        using var tasks = new TempDirectory();
        string task = tasks.File("next.jsonl", string.Join("\n", Enumerable.Range(0, 12).Select(i =>
            $$"""{"context": "Item {{i}}: the", "choices": [" cat sat.", " qq{{i}}zx", " dog ran."], "gold": {{i % 3}}}""")));
        var options = new SweepOptions(new[] { 0.6, 1.0 }, config, data.Noisy, data.Heldout, outDir, null, scores, "cpu") { EvalTasks = [task] };
        var rows = Sweep.Run(options);

        Assert.Equal(new[] { 0.6, 1.0 }, rows.Select(r => r.Ratio));
        string[] csv = File.ReadAllLines(Path.Combine(outDir, "summary.csv"));
        Assert.Equal("ratio,final_heldout_loss,final_heldout_bpb,final_heldout_tokens,steps_to_baseline,steps,tokens_per_s,next_acc,next_acc_stderr,run", csv[0]);
        Assert.Equal(3, csv.Length);
        // The final figures cover the whole held-out set, not the per-step curve's first train.eval_batches batches.
        var whole = Rho1.Evaluation.CheckpointEvaluation.Run(new Rho1.Evaluation.EvalOptions(Path.Combine(outDir, "ratio-1.00", "final"), data.Heldout, Device: "cpu", BatchSize: config.Train.BatchSize));
        Assert.Equal(whole.Loss, double.Parse(csv[2].Split(',')[1], CultureInfo.InvariantCulture), 4);
        Assert.Equal(whole.Tokens, long.Parse(csv[2].Split(',')[3], CultureInfo.InvariantCulture));
        var curve = RunCurve.Read(Path.Combine(outDir, "ratio-1.00"));
        Assert.True(whole.Tokens > config.Train.EvalBatches * config.Train.BatchSize * config.Train.SeqLen, $"{whole.Tokens} tokens");
        Assert.Equal(RunCurve.FirstStepReaching(curve, curve[^1].ValLoss), rows[1].StepsToBaseline);
        // Each run's task accuracy: logged at every evaluation, summarised, and in the reports.
        var summary = System.Text.Json.JsonSerializer.Deserialize<Rho1.Training.Runs.TrainSummary>(File.ReadAllText(Path.Combine(outDir, "ratio-0.60", "summary.json")))!;
        Assert.Equal(summary.FinalTasks!["next"]["acc"], double.Parse(csv[1].Split(',')[7], CultureInfo.InvariantCulture), 4);
        Assert.Equal(RunCurve.ReadMetric(Path.Combine(outDir, "ratio-0.60"), "task/next/acc").Count, curve.Count);
        Assert.Contains("next acc ± s.e.", File.ReadAllText(Path.Combine(outDir, "summary.md")));
        Assert.True(File.Exists(Path.Combine(outDir, "next-vs-tokens.png")));
        Assert.Contains("| 0.60 |", File.ReadAllText(Path.Combine(outDir, "summary.md")));
        byte[] png = File.ReadAllBytes(Path.Combine(outDir, "loss-vs-tokens.png"));
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, png[..4]);

        var before = File.GetLastWriteTimeUtc(Path.Combine(outDir, "ratio-0.60", "summary.json"));
        Sweep.Run(options with { Config = options.Config with { Train = options.Config.Train with { LogEvery = 5 } } }); // cosmetic: reused
        Assert.Equal(before, File.GetLastWriteTimeUtc(Path.Combine(outDir, "ratio-0.60", "summary.json")));

        // The same runs with their tasks evaluated another way (shots, framing): their task figures are not this sweep's.
        Assert.Equal("0-shot, all items, harness start", summary.TaskSettings);
        var framed = Assert.Throws<UserErrorException>(() => Sweep.Run(options with
        {
            EvalTaskSettings = new Rho1.Evaluation.Tasks.TaskSettings(FewShot: 1) { SequenceStart = Rho1.Evaluation.Tasks.TaskPrompt.Document },
        }));
        Assert.Contains("tasks evaluated 0-shot, all items, harness start → 1-shot, all items, document start", framed.Message);

        // Another command over the same --out: its runs were trained otherwise, so they are refused, not relabelled.
        var random = options with { Config = config with { Selection = config.Selection with { Score = "random" } }, RefScores = null };
        var e = Assert.Throws<UserErrorException>(() => Sweep.Run(random));
        Assert.Contains("selection.score \"excess\" → \"random\"", e.Message);
        Assert.Contains("--force", e.Message);
        var longer = options with { Config = TinyRun.Config("train.steps=24", "train.eval_every=12") };
        Assert.Contains("train.steps 20 → 24", Assert.Throws<UserErrorException>(() => Sweep.Run(longer)).Message);
        Assert.Equal(before, File.GetLastWriteTimeUtc(Path.Combine(outDir, "ratio-0.60", "summary.json")));
        var retrained = Sweep.Run(longer with { Force = true });
        Assert.All(retrained, r => Assert.Equal(24, r.Steps));
        Assert.StartsWith("Score `excess`, selection `batch`, 24 steps", File.ReadAllText(Path.Combine(outDir, "summary.md")));
    }
    [Fact]
    public void A_sweep_with_init_starts_every_run_from_the_model_and_refuses_runs_started_elsewhere()
    {
        string baseRun = TinyRun.TrainPlain(data, data.Clean, 30);
        string outDir = data.NewRunDir();
        var config = TinyRun.Config("train.steps=4", "train.eval_every=2", "model.dim=32", "model.ffn_dim=96");
        var options = new SweepOptions(new[] { 1.0 }, config, data.Noisy, data.Heldout, outDir, null, null, "cpu") { Init = baseRun };
        Sweep.Run(options);
        var summary = System.Text.Json.JsonSerializer.Deserialize<Rho1.Training.Runs.TrainSummary>(File.ReadAllText(Path.Combine(outDir, "ratio-1.00", "summary.json")))!;
        Assert.Equal(Path.GetFullPath(Rho1.Model.Storage.CheckpointSearch.Resolve(baseRun)), summary.InitFrom);
        Sweep.Run(options); // the same sweep again: reused

        // The same --out without --init: the finished run started from the base model, so it is not reused as a fresh one.
        var e = Assert.Throws<UserErrorException>(() => Sweep.Run(options with { Init = null }));
        Assert.Contains("--init", e.Message);
        Assert.Contains("→ none", e.Message);
    }
}
