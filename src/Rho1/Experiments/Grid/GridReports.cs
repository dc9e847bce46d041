// The grid's reports: cells.csv (one row per finished cell), summary.csv (per ratio and variant: mean and
// standard error over seeds), summary.md (the same for reading, with the speed-up and the missing cells), and
// plots with one band (± s.e.) per variant. The CSVs hold round-trip numbers and no timings, so the same
// cells give the same files bit for bit however they were scheduled.
using System.Globalization;
using System.Text;
using Rho1.Evaluation.Reports;
using Rho1.Evaluation.Tasks;
using Rho1.IO;

namespace Rho1.Experiments.Grid;

public static class GridReports
{
    static string R(double v) => double.IsFinite(v) ? v.ToString("R", CultureInfo.InvariantCulture) : "";
    static string F(double v, string format = "0.0000") => double.IsFinite(v) ? v.ToString(format, CultureInfo.InvariantCulture) : "";
    /// <summary>The band's half-width: the standard error, or none over one seed.</summary>
    static double Se(SeedStatistics s) => double.IsFinite(s.StdErr) ? s.StdErr : 0;
    static string Pm(SeedStatistics s, string format = "0.0000") => s.Count == 0 ? "" : double.IsFinite(s.StdErr) ? $"{F(s.Mean, format)} ± {F(s.StdErr, format)}" : F(s.Mean, format);

    public static void Write(SweepOptions o, GridSummary summary)
    {
        var tasks = summary.TaskMetrics;
        var cells = new StringBuilder("index,cell,ratio,variant,seed,final_heldout_loss,final_heldout_bpb,final_heldout_tokens,steps,tokens,steps_to_baseline,tokens_to_baseline");
        foreach (var (task, metric) in tasks) cells.Append(CultureInfo.InvariantCulture, $",{task}_{metric},{task}_{TaskMetrics.StdErr(metric)}");
        cells.Append('\n');
        foreach (var row in summary.Cells)
        {
            var (c, r) = (row.Cell, row.Result);
            cells.Append(CultureInfo.InvariantCulture, $"{c.Index},{c.Name},{R(c.Ratio)},{c.Variant},{c.Seed},{R(r.FinalLoss)},{R(r.FinalBpb)},{r.HeldOutTokens},{r.Steps},{r.Tokens},{row.StepsToBaseline},{row.TokensToBaseline}");
            foreach (var (task, metric) in tasks)
                cells.Append(CultureInfo.InvariantCulture, $",{R(GridCollect.Value(r, task, metric))},{R(GridCollect.Value(r, task, TaskMetrics.StdErr(metric)))}");
            cells.Append('\n');
        }
        AtomicFile.WriteAllText(Path.Combine(o.OutDir, "cells.csv"), cells.ToString());

        var csv = new StringBuilder("ratio,variant,seeds,finished,final_heldout_loss_mean,final_heldout_loss_se,final_heldout_bpb_mean,final_heldout_bpb_se," +
            "reached_baseline,steps_to_baseline_mean,steps_to_baseline_se,tokens_to_baseline_mean,tokens_to_baseline_se");
        foreach (var (task, metric) in tasks) csv.Append(CultureInfo.InvariantCulture, $",{task}_{metric}_mean,{task}_{metric}_se");
        csv.Append('\n');
        foreach (var g in summary.Groups)
        {
            csv.Append(CultureInfo.InvariantCulture, $"{R(g.Ratio)},{g.Variant},{g.Planned},{g.Finished},{R(g.Loss.Mean)},{R(g.Loss.StdErr)},{R(g.Bpb.Mean)},{R(g.Bpb.StdErr)}," +
                $"{g.Reached},{R(g.StepsToBaseline.Mean)},{R(g.StepsToBaseline.StdErr)},{R(g.TokensToBaseline.Mean)},{R(g.TokensToBaseline.StdErr)}");
            foreach (var (task, _) in tasks) csv.Append(CultureInfo.InvariantCulture, $",{R(g.Tasks[task].Mean)},{R(g.Tasks[task].StdErr)}");
            csv.Append('\n');
        }
        AtomicFile.WriteAllText(Path.Combine(o.OutDir, "summary.csv"), csv.ToString());
        AtomicFile.WriteAllText(Path.Combine(o.OutDir, "summary.md"), Markdown(o, summary));
        Plots(o, summary);
    }

    static string Markdown(SweepOptions o, GridSummary summary)
    {
        var tasks = summary.TaskMetrics;
        var md = new StringBuilder();
        long heldOut = summary.Cells.Count > 0 ? summary.Cells[0].Result.HeldOutTokens : 0;
        int steps = summary.Cells.Count > 0 ? summary.Cells[0].Result.Steps : 0;
        md.AppendLine(string.Create(CultureInfo.InvariantCulture, $"{summary.Groups.Sum(g => g.Planned)} cells, {summary.Cells.Count} finished; {steps} steps; held-out data `{o.EvalDataDir}` ") +
            string.Create(CultureInfo.InvariantCulture, $"({heldOut:N0} tokens in the final figures). ") + "Mean ± standard error over seeds; \"to plain\": training tokens until the held-out curve " +
            "first reached the final loss of the plain run of the same seed (speed-up: the plain runs' own figure over this one).");
        md.AppendLine();
        md.AppendLine("| ratio | variant | seeds | held-out loss | bits/byte | tokens to plain (reached) | speed-up | tokens/s |" + string.Concat(tasks.Select(t => $" {t.Task} {t.Metric} |")));
        md.AppendLine("|---:|---|---:|---:|---:|---:|---:|---:|" + string.Concat(tasks.Select(_ => "---:|")));
        double plainTokens = summary.Groups.FirstOrDefault(g => g.Variant == GridCell.Plain)?.TokensToBaseline.Mean ?? double.NaN;
        foreach (var g in summary.Groups)
        {
            double rate = summary.Cells.Where(c => c.Cell.Ratio == g.Ratio && c.Cell.Variant == g.Variant).Select(c => c.Result.TokensPerSecond).DefaultIfEmpty(double.NaN).Average();
            string reached = g.Finished == 0 ? "" : $"{Pm(g.TokensToBaseline, "N0")} ({g.Reached}/{g.Finished})";
            string speedup = double.IsFinite(plainTokens) && g.TokensToBaseline.Count > 0 ? $"{plainTokens / g.TokensToBaseline.Mean:0.00}×" : "";
            md.AppendLine(string.Create(CultureInfo.InvariantCulture, $"| {F(g.Ratio, "0.00")} | {g.Variant} | {g.Finished}/{g.Planned} | {Pm(g.Loss)} | {Pm(g.Bpb)} | {reached} | {speedup} | {F(rate, "N0")} |")
                + string.Concat(tasks.Select(t => $" {Pm(g.Tasks[t.Task])} |")));
        }
        if (summary.Missing.Count > 0)
        {
            md.AppendLine();
            md.AppendLine($"Missing ({summary.Missing.Count}): not in the figures above.");
            md.AppendLine();
            foreach (var (cell, why) in summary.Missing)
                md.AppendLine($"- cell {cell.Index} `{cell.Name}`: {why}");
        }
        return md.ToString();
    }

    static void Plots(SweepOptions o, GridSummary summary)
    {
        var variants = summary.Groups.Select(g => g.Variant).Where(v => v != GridCell.Plain).Distinct().ToList();
        var plain = summary.Groups.Where(g => g.Variant == GridCell.Plain && g.Finished > 0).ToList();
        PlotSeries ByRatio(string variant, Func<GridGroup, SeedStatistics> figure)
        {
            var points = summary.Groups.Where(g => g.Variant == variant && g.Finished > 0).Concat(plain).OrderBy(g => g.Ratio)
                .Select(g => (g.Ratio, S: figure(g))).Where(p => p.S.Count > 0).ToList();
            return new PlotSeries(variant, points.Select(p => p.Ratio).ToList(), points.Select(p => p.S.Mean).ToList())
            {
                Low = points.Select(p => p.S.Mean - Se(p.S)).ToList(), High = points.Select(p => p.S.Mean + Se(p.S)).ToList(),
            };
        }
        LinePlot.Save(Path.Combine(o.OutDir, "loss-vs-ratio.png"), "Final held-out loss by selection ratio (band: ± s.e. over seeds)", "selection ratio (1.0: plain)",
            "held-out loss (nats/token)", variants.Select(v => ByRatio(v, g => g.Loss)), legendOutside: true);
        foreach (var (task, metric) in summary.TaskMetrics)
            LinePlot.Save(Path.Combine(o.OutDir, $"{task}-vs-ratio.png"), $"{task}: {metric} by selection ratio (band: ± s.e. over seeds)", "selection ratio (1.0: plain)",
                metric, variants.Select(v => ByRatio(v, g => g.Tasks[task])), legendOutside: true);

        var curves = summary.Groups.Where(g => g.Finished > 0).Select(g =>
        {
            var runs = summary.Cells.Where(c => c.Cell.Ratio == g.Ratio && c.Cell.Variant == g.Variant).Select(c => c.Curve).ToList();
            int n = runs.Min(r => r.Count);
            var stats = Enumerable.Range(0, n).Select(i => SeedStatistics.Of(runs.Select(r => r[i].ValLoss))).ToList();
            string label = g.Variant == GridCell.Plain ? "100% (plain)" : $"{g.Ratio * 100:0}% {g.Variant}";
            return new PlotSeries(label, runs[0].Take(n).Select(p => (double)p.Tokens).ToList(), stats.Select(s => s.Mean).ToList())
            {
                Low = stats.Select(s => s.Mean - Se(s)).ToList(), High = stats.Select(s => s.Mean + Se(s)).ToList(),
            };
        });
        LinePlot.Save(Path.Combine(o.OutDir, "loss-vs-tokens.png"), "Held-out loss while training (mean over seeds, band: ± s.e.)", "training tokens seen",
            "held-out loss (nats/token)", curves, legendOutside: true);
    }
}
