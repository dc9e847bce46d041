// `rho1 sweep`: the ratio ablation. Trains one run per ratio on the same data order and seed, each evaluated
// on the same clean held-out set, then writes summary.csv, summary.md and loss-vs-tokens.png. Finished runs
// are reused and interrupted ones resumed, so a long sweep can be restarted with the same command.
using System.Globalization;
using System.Text;
using Rho1.Evaluation.Reports;
using Rho1.Evaluation.Tasks;
using Rho1.IO;
using Rho1.Training;

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
        SweepRunner.CheckOut(o);
        SweepRunner.CheckTasks(o);
        var configs = o.Ratios.Select(r => o.Config with { Selection = o.Config.Selection with { Ratio = r } }).ToList();
        SweepRunner.CheckRefData(o, configs);
        if (o.World.Rank == 0) Directory.CreateDirectory(o.OutDir);
        var rows = new List<SweepRow>();
        var curveFinal = new List<double>(); // each run's last per-step held-out loss: the baseline's is what "steps to baseline" aims at
        for (int i = 0; i < o.Ratios.Count; i++)
        {
            double ratio = o.Ratios[i];
            string dir = Path.Combine(o.OutDir, RunName(ratio));
            o.OnRunStart?.Invoke(i, o.Ratios.Count, dir);
            string label = $"ratio {ratio} ({i + 1}/{o.Ratios.Count})";
            var summary = SweepRunner.TrainOrReuse(o, dir, configs[i], label, cancel);
            var final = SweepRunner.FinalEvaluation(o, dir, configs[i], label);
            rows.Add(new SweepRow(ratio, final.Loss, final.BitsPerByte, null, summary.Steps, summary.TokensPerSecond, dir)
            {
                HeldOutTokens = final.Tokens, Tasks = summary.FinalTasks ?? [],
            });
            curveFinal.Add(summary.FinalValLoss ?? double.NaN);
        }
        int baseline = rows.FindIndex(r => r.Ratio >= 1.0);
        if (baseline >= 0)
            rows = rows.Select(r => r with { StepsToBaseline = RunCurve.FirstStepReaching(RunCurve.Read(r.Run), curveFinal[baseline]) }).ToList();
        if (o.World.Rank == 0) WriteReports(o, rows);
        return rows;
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
