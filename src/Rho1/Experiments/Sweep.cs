// `rho1 sweep`: the ratio ablation. Trains one run per ratio on the same data order and seed, each evaluated
// on the same clean held-out set, then writes summary.csv, summary.md and loss-vs-tokens.png. Finished runs
// are reused and interrupted ones resumed, so a long sweep can be restarted with the same command.
using System.Globalization;
using System.Text;
using System.Text.Json;
using Rho1.Evaluation;
using Rho1.Evaluation.Reports;
using Rho1.Evaluation.Tasks;
using Rho1.IO;
using Rho1.Model.Storage;
using Rho1.Training;
using Rho1.Training.Configuration;
using Rho1.Training.Objectives;
using Rho1.Training.Runs;
using Serilog;

namespace Rho1.Experiments;

public static class Sweep
{
    public static IReadOnlyList<SweepRow> Run(SweepOptions o, CancellationToken cancel = default)
    {
        if (o.Ratios.Count == 0) throw new UserErrorException("--ratios: give at least one ratio, e.g. 0.6,1.0");
        foreach (double r in o.Ratios)
            (o.Config with { Selection = o.Config.Selection with { Ratio = r } }).Selection.Validate();
        if (o.Ratios.Distinct().Count() != o.Ratios.Count) throw new UserErrorException("--ratios: a ratio is listed twice");
        if (o.Ratios.Any(r => r < 1) && o.Config.Selection.Score is "excess" or "ref" && o.RefCheckpoint is null && o.RefScores is null)
            throw new UserErrorException($"--score {o.Config.Selection.Score} needs --ref-scores DIR or --ref CKPT");
        var outContents = OutputDirectory.Inspect(o.OutDir);
        if (outContents.Kind is not (OutputDirectory.Kind.Missing or OutputDirectory.Kind.Empty or OutputDirectory.Kind.Sweep))
            throw new UserErrorException(OutputDirectory.Refusal("--out", o.OutDir, outContents, OutputDirectory.Kind.Sweep));
        if (o.EvalTasks.Count > 0) // every task file checked before the first run trains
            TaskRun.Load(o.EvalTasks, null, o.EvalTaskLimit, o.EvalTaskSettings.FewShot);
        Directory.CreateDirectory(o.OutDir);
        var rows = new List<SweepRow>();
        var curveFinal = new List<double>(); // each run's last per-step held-out loss: the baseline's is what "steps to baseline" aims at
        for (int i = 0; i < o.Ratios.Count; i++)
        {
            double ratio = o.Ratios[i];
            string dir = Path.Combine(o.OutDir, RunName(ratio));
            o.OnRunStart?.Invoke(i, o.Ratios.Count, dir);
            var config = o.Config with { Selection = o.Config.Selection with { Ratio = ratio } };
            if (Stale(dir, config, o) is { } stale)
            {
                // A run left by an earlier sweep with other settings: reusing it would put its numbers under this sweep's header.
                var contents = OutputDirectory.Inspect(dir);
                if (!o.Force || contents.Kind != OutputDirectory.Kind.Run || contents.FirstForeign != null)
                    throw new UserErrorException($"{dir}: trained with other settings ({stale}); rerun with --force to retrain it, or choose another --out");
                Log.Warning("--force: retraining {Dir}, trained with other settings ({Stale})", dir, stale);
                Directory.Delete(dir, recursive: true);
            }
            string summaryPath = Path.Combine(dir, "summary.json");
            TrainSummary summary;
            if (File.Exists(summaryPath))
            {
                Log.Information("ratio {Ratio}: reusing the finished run in {Dir}", ratio, dir);
                summary = JsonSerializer.Deserialize<TrainSummary>(File.ReadAllText(summaryPath))!;
            }
            else
            {
                Log.Information("ratio {Ratio} ({Index}/{Count}): training into {Dir}", ratio, i + 1, o.Ratios.Count, dir);
                summary = new Trainer(new TrainOptions(config, o.DataDir, dir, o.Device, Resume: "auto") 
                    {
                        EvalDataDir = o.EvalDataDir, Init = o.Init, SetKeys = o.SetKeys, AllowEvalOverlap = o.AllowEvalOverlap,
                        EvalTasks = o.EvalTasks, EvalTaskLimit = o.EvalTaskLimit, EvalTaskSettings = o.EvalTaskSettings,
                    },
                    setup => ratio < 1 || setup.Config.Selection.Score is "excess" or "ref"
                        ? SelectiveObjective.For(setup, o.RefCheckpoint, o.RefScores, o.RefData)
                        : SelectiveObjective.For(setup, null, null)).Run(cancel);
            }
            var final = FinalEvaluation(o, dir, ratio);
            rows.Add(new SweepRow(ratio, final.Loss, final.BitsPerByte, null, summary.Steps, summary.TokensPerSecond, dir)
            {
                HeldOutTokens = final.Tokens, Tasks = summary.FinalTasks ?? [],
            });
            curveFinal.Add(summary.FinalValLoss ?? double.NaN);
        }
        int baseline = rows.FindIndex(r => r.Ratio >= 1.0);
        if (baseline >= 0)
            rows = rows.Select(r => r with { StepsToBaseline = RunCurve.FirstStepReaching(RunCurve.Read(r.Run), curveFinal[baseline]) }).ToList();
        WriteReports(o, rows);
        return rows;
    }

    /// <summary>The final checkpoint's held-out figures over the whole --eval-data (or --final-eval-batches of it), in the run's window length.</summary>
    static EvalResult FinalEvaluation(SweepOptions o, string runDir, double ratio)
    {
        Log.Information("ratio {Ratio}: final held-out evaluation of {Data} ({Batches})", ratio, o.EvalDataDir,
            o.FinalEvalBatches == 0 ? "the whole split" : $"{o.FinalEvalBatches} batches");
        return CheckpointEvaluation.Run(new EvalOptions(Path.Combine(runDir, "final"), o.EvalDataDir, Device: o.Device, BatchSize: o.Config.Train.BatchSize,
            MaxBatches: o.FinalEvalBatches));
    }

    /// <summary>Keys that do not change a run's results: a run differing only in these is reused.</summary>
    static readonly string[] Cosmetic = ["train.log_every", "train.checkpoint_every", "train.keep_checkpoints"];

    /// <summary>How an existing run in <paramref name="dir"/> differs from what this sweep asks of it, or null (none, or no run yet).</summary>
    static string? Stale(string dir, RunConfig requested, SweepOptions o)
    {
        string configPath = Path.Combine(dir, "config.json");
        if (!File.Exists(configPath)) return null;
        var recorded = ConfigLoader.Load(configPath, []);
        if (o.Init != null) // the model's shape comes from --init; where it started is compared below
            requested = requested with { Model = recorded.Model };
        else if (requested.Model.VocabSize == 0) // "the dataset's", resolved when the run started
            requested = requested with { Model = requested.Model with { VocabSize = recorded.Model.VocabSize } };
        var differences = ResumeCheck.Diff(recorded, requested)
            .Where(d => !Cosmetic.Contains(d.Key)).Select(d => $"{d.Key} {d.From?.ToJsonString()} → {d.To?.ToJsonString()}").ToList();
        string Full(string? path) => path is null ? "" : Path.GetFullPath(path);
        string summaryPath = Path.Combine(dir, "summary.json");
        var summary = File.Exists(summaryPath) ? JsonSerializer.Deserialize<TrainSummary>(File.ReadAllText(summaryPath)) : null;
        // Where the run started: its summary says, else its newest checkpoint (a run without either has trained nothing).
        var checkpoint = summary is null ? CheckpointSearch.LatestComplete(dir, []) : null;
        if (summary != null || checkpoint != null)
        {
            string? startedFrom = summary != null ? summary.InitFrom : Checkpoint.ReadState(checkpoint!).InitFrom;
            if (Full(startedFrom) != (o.Init is null ? "" : Full(CheckpointSearch.Resolve(o.Init))))
                differences.Add($"--init {startedFrom ?? "none"} → {o.Init ?? "none"}");
        }
        if (summary != null)
        {
            var objective = summary.Objective;
            string mode = objective["reference_mode"]?.GetValue<string>() ?? "none";
            string wanted = o.RefScores != null ? "offline" : o.RefCheckpoint != null ? "online" : "none";
            if (mode != wanted)
                differences.Add($"reference {mode} → {wanted}");
            else if (mode == "offline" && Full(objective["ref_scores"]?.GetValue<string>()) != Full(o.RefScores))
                differences.Add($"--ref-scores {objective["ref_scores"]} → {o.RefScores}");
            else if (mode == "online" && Full(objective["reference"]?.GetValue<string>()) != Full(CheckpointSearch.Resolve(o.RefCheckpoint!)))
                differences.Add($"--ref {objective["reference"]} → {o.RefCheckpoint}");
            if (mode == "online" && Full(objective["ref_data"]?.GetValue<string>()) != Full(o.RefData))
                differences.Add($"--ref-data {objective["ref_data"]?.GetValue<string>() ?? "none"} → {o.RefData ?? "none"}");
        }
        if (summary != null && o.EvalTasks.Select(TaskFile.NameOf).FirstOrDefault(t => summary.FinalTasks?.ContainsKey(t) != true) is { } unscored)
            differences.Add($"--eval-task {unscored} not scored");
        return differences.Count == 0 ? null : string.Join(", ", differences);
    }

    public static string RunName(double ratio) => "ratio-" + ratio.ToString("0.00", CultureInfo.InvariantCulture);

    static void WriteReports(SweepOptions o, IReadOnlyList<SweepRow> rows)
    {
        string F(double v, string format = "0.0000") => double.IsFinite(v) ? v.ToString(format, CultureInfo.InvariantCulture) : "";
        var tasks = o.EvalTasks.Select(TaskFile.NameOf).ToList();
        string Metric(string task) => rows.Any(r => r.Tasks.TryGetValue(task, out var m) && m.ContainsKey(TaskMetrics.Acc)) ? TaskMetrics.Acc : TaskMetrics.ExactMatch;
        double Value(SweepRow r, string task, string key) => r.Tasks.TryGetValue(task, out var m) && m.TryGetValue(key, out double v) ? v : double.NaN;
        var csv = new StringBuilder("ratio,final_heldout_loss,final_heldout_bpb,final_heldout_tokens,steps_to_baseline,steps,tokens_per_s");
        foreach (var task in tasks) csv.Append(CultureInfo.InvariantCulture, $",{task}_{Metric(task)},{task}_{TaskMetrics.StdErr(Metric(task))}");
        csv.Append(",run\n");
        foreach (var r in rows)
        {
            csv.Append(CultureInfo.InvariantCulture, $"{F(r.Ratio, "0.00")},{F(r.FinalLoss)},{F(r.FinalBpb)},{r.HeldOutTokens},{r.StepsToBaseline},{r.Steps},{F(r.TokensPerSecond, "0")}");
            foreach (var task in tasks) csv.Append(CultureInfo.InvariantCulture, $",{F(Value(r, task, Metric(task)))},{F(Value(r, task, TaskMetrics.StdErr(Metric(task))))}");
            csv.Append(CultureInfo.InvariantCulture, $",{Path.GetFileName(r.Run)}\n");
        }
        AtomicFile.WriteAllText(Path.Combine(o.OutDir, "summary.csv"), csv.ToString());

        var md = new StringBuilder();
        long heldOut = rows.Count > 0 ? rows[0].HeldOutTokens : 0;
        md.AppendLine($"Score `{o.Config.Selection.Score}`, selection `{o.Config.Selection.Select}`, {o.Config.Train.Steps} steps, seed {o.Config.Train.Seed}; held-out data `{o.EvalDataDir}` " +
            $"({heldOut:N0} tokens in the final figures; the per-step curve and \"first step\" use its first {o.Config.Train.EvalBatches * o.Config.Train.BatchSize:N0} windows" +
            $"{(o.Config.Train.EvalBatches == 0 ? " (all)" : "")}).");
        md.AppendLine();
        md.AppendLine("| ratio | final held-out loss | bits/byte | first step at the 100% run's final loss | tokens/s |" + string.Concat(tasks.Select(t => $" {t} {Metric(t)} ± s.e. |")));
        md.AppendLine("|---:|---:|---:|---:|---:|" + string.Concat(tasks.Select(_ => "---:|")));
        foreach (var r in rows)
        {
            string reached = r.StepsToBaseline is { } s ? s.ToString(CultureInfo.InvariantCulture) : rows.Any(x => x.Ratio >= 1) ? "not reached" : "n/a";
            string accuracies = string.Concat(tasks.Select(t => $" {F(Value(r, t, Metric(t)))} {(r.Tasks.TryGetValue(t, out var m) ? TaskMetrics.PlusMinus(m, Metric(t)) : "")} |"));
            md.AppendLine(string.Create(CultureInfo.InvariantCulture, $"| {F(r.Ratio, "0.00")} | {F(r.FinalLoss)} | {F(r.FinalBpb)} | {reached} | {F(r.TokensPerSecond, "N0")} |") + accuracies);
        }
        AtomicFile.WriteAllText(Path.Combine(o.OutDir, "summary.md"), md.ToString());

        var series = rows.Select(r =>
        {
            var curve = RunCurve.Read(r.Run);
            return new PlotSeries(r.Ratio >= 1 ? "100% (plain)" : $"{r.Ratio * 100:0}% ({o.Config.Selection.Score})",
                curve.Select(p => (double)p.Tokens).ToList(), curve.Select(p => p.ValLoss).ToList());
        });
        LinePlot.Save(Path.Combine(o.OutDir, "loss-vs-tokens.png"), "Held-out loss by selection ratio", "training tokens seen", "held-out loss (nats/token)", series);
        foreach (var task in tasks)
        {
            string key = Trainer.TaskMetricKey(task, Metric(task));
            var taskSeries = rows.Select(r =>
            {
                var curve = RunCurve.ReadMetric(r.Run, key);
                return new PlotSeries(r.Ratio >= 1 ? "100% (plain)" : $"{r.Ratio * 100:0}% ({o.Config.Selection.Score})",
                    curve.Select(p => (double)p.Tokens).ToList(), curve.Select(p => p.Value).ToList());
            });
            LinePlot.Save(Path.Combine(o.OutDir, $"{task}-vs-tokens.png"), $"{task}: {Metric(task)} by selection ratio", "training tokens seen", Metric(task), taskSeries);
        }
    }
}
