// `rho1 sweep --grid FILE --out DIR --collect`: the grid's reports from whatever cells have finished. Reads each
// cell's sweep-cell.json and held-out curve; names the cells that are missing with their state (GridSweep.Finished:
// not started, interrupted, trained with other settings, ...) and reports the rest. Rank 0 alone writes.
using Rho1.Evaluation.Tasks;

namespace Rho1.Experiments.Grid;

public static class GridCollect
{
    public static GridSummary Collect(SweepOptions o, IReadOnlyList<GridCell> cells)
    {
        var finished = new List<(GridCell Cell, CellResult Result)>();
        var missing = new List<(GridCell, string)>();
        foreach (var cell in cells)
        {
            if (GridSweep.Finished(o, cell, out string state) is { } result) finished.Add((cell, result));
            else missing.Add((cell, state));
        }
        var rows = finished.Select(f => Row(o, f.Cell, f.Result, finished)).ToList();
        var tasks = o.EvalTasks.Select(TaskFile.NameOf)
            .Select(t => (t, rows.Any(r => r.Result.Tasks.TryGetValue(t, out var m) && m.ContainsKey(TaskMetrics.Acc)) ? TaskMetrics.Acc : TaskMetrics.ExactMatch)).ToList();
        var groups = cells.GroupBy(c => (c.Ratio, c.Variant)).Select(g =>
        {
            var done = rows.Where(r => r.Cell.Ratio == g.Key.Ratio && r.Cell.Variant == g.Key.Variant).ToList();
            var reached = done.Where(r => r.StepsToBaseline is not null).ToList();
            return new GridGroup(g.Key.Ratio, g.Key.Variant, g.Count(), done.Count,
                SeedStatistics.Of(done.Select(r => r.Result.FinalLoss)), SeedStatistics.Of(done.Select(r => r.Result.FinalBpb)),
                SeedStatistics.Of(reached.Select(r => (double)r.StepsToBaseline!.Value)), SeedStatistics.Of(reached.Select(r => (double)r.TokensToBaseline!.Value)),
                reached.Count,
                tasks.ToDictionary(t => t.Item1, t => SeedStatistics.Of(done.Select(r => Value(r.Result, t.Item1, t.Item2)))));
        }).ToList();
        var summary = new GridSummary(rows, groups, missing, tasks);
        if (o.World.Rank == 0) GridReports.Write(o, summary);
        return summary;
    }

    /// <summary>A task's metric in a cell's result; NaN when the cell has none.</summary>
    public static double Value(CellResult r, string task, string metric) =>
        r.Tasks.TryGetValue(task, out var m) && m.TryGetValue(metric, out double v) ? v : double.NaN;

    /// <summary>The cell's figures with how soon it reached the final held-out loss of the plain cell of its seed (the paper's speed-up).</summary>
    static GridCellRow Row(SweepOptions o, GridCell cell, CellResult result, IReadOnlyList<(GridCell Cell, CellResult Result)> finished)
    {
        var curve = RunCurve.Read(Path.Combine(o.OutDir, cell.Name));
        var baseline = finished.FirstOrDefault(f => f.Cell.IsBaseline && f.Cell.Seed == cell.Seed).Result;
        var point = baseline?.FinalCurveLoss is { } target ? curve.FirstOrDefault(p => p.ValLoss <= target) : null;
        return new GridCellRow(cell, result, point?.Step, point?.Tokens, curve);
    }
}
