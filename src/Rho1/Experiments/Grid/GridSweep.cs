// `rho1 sweep --grid`: every cell of a grid (ratios × variants × seeds) as its own run in OUT/<cell>, trained,
// resumed or reused as `sweep --ratios` does, then evaluated on the held-out set into sweep-cell.json. A cell
// writes only inside its own directory, so cells run as separate jobs (a SLURM array, one per GPU) never
// write the same file; the sweep's reports are written by Run (all cells) or --collect alone.
using System.Globalization;
using Rho1.IO;
using Serilog;

namespace Rho1.Experiments.Grid;

public static class GridSweep
{
    /// <summary>Every cell in order, then the reports over them.</summary>
    public static GridSummary Run(SweepOptions o, IReadOnlyList<GridCell> cells, CancellationToken cancel = default)
    {
        Check(o, cells);
        foreach (var cell in cells)
            RunCell(o, cells, cell.Index, cancel, checkedAlready: true);
        return GridCollect.Collect(o, cells);
    }

    /// <summary>Cell <paramref name="index"/> alone: trained (or resumed, or reused) and evaluated; its result.</summary>
    public static CellResult RunCell(SweepOptions o, IReadOnlyList<GridCell> cells, int index, CancellationToken cancel = default, bool checkedAlready = false)
    {
        if (index < 0 || index >= cells.Count)
            throw new UserErrorException($"--cell {index}: the grid has {cells.Count} cells, 0 to {cells.Count - 1} (--list shows them)");
        if (!checkedAlready) Check(o, cells);
        var cell = cells[index];
        string dir = Path.Combine(o.OutDir, cell.Name);
        string label = $"cell {cell.Index} ({cell.Index + 1}/{cells.Count}, {cell.Name})";
        o.OnRunStart?.Invoke(cell.Index, cells.Count, dir);
        var summary = SweepRunner.TrainOrReuse(o, dir, cell.Config, label, cancel);
        if (CellResult.Read(dir) is { } done && done.Cell == cell.Name && done.Steps == summary.Steps)
        {
            Log.Information("{Label}: finished earlier ({Path})", label, CellResult.PathIn(dir));
            return done;
        }
        var final = SweepRunner.FinalEvaluation(o, dir, cell.Config, label);
        var result = new CellResult
        {
            Cell = cell.Name, Ratio = cell.Ratio, Variant = cell.Variant, Seed = cell.Seed,
            FinalLoss = final.Loss, FinalBpb = final.BitsPerByte, HeldOutTokens = final.Tokens,
            Steps = summary.Steps, Tokens = summary.Tokens, FinalCurveLoss = summary.FinalValLoss, TokensPerSecond = summary.TokensPerSecond,
            Tasks = summary.FinalTasks ?? [],
        };
        if (o.World.Rank == 0) result.Write(dir);
        Log.Information("{Label}: held-out loss {Loss:F4}, {Bpb:F4} bits/byte over {Tokens:N0} tokens", label, final.Loss, final.BitsPerByte, final.Tokens);
        return result;
    }

    /// <summary>What every cell needs, checked before any trains: --out, the references its variants use, the task files.</summary>
    public static void Check(SweepOptions o, IReadOnlyList<GridCell> cells)
    {
        SweepRunner.CheckOut(o);
        foreach (var cell in cells)
        {
            var s = cell.Config.Selection;
            if (s.NeedsReference && o.RefCheckpoint is null && o.RefScores is null)
                throw new UserErrorException($"cell {cell.Name}: --score {s.Score} needs --ref-scores DIR or --ref CKPT");
            if (s.RefreshesReference && s.NeedsReference && o.RefCheckpoint is null)
                throw new UserErrorException($"cell {cell.Name}: selection.ref_refresh_every={s.RefRefreshEvery} trains the reference during the run: it needs --ref CKPT");
        }
        SweepRunner.CheckRefData(o, cells.Select(c => c.Config));
        SweepRunner.CheckTasks(o);
        if (o.World.Rank == 0) Directory.CreateDirectory(o.OutDir);
    }

    /// <summary>Each cell's state in its directory: finished, trained (final evaluation pending), interrupted, stale or not started.</summary>
    public static IReadOnlyList<(GridCell Cell, string State)> States(SweepOptions o, IReadOnlyList<GridCell> cells) =>
        cells.Select(cell => { Finished(o, cell, out string state); return (cell, state); }).ToList();

    /// <summary>The cell's result if it has finished (as this sweep asks), else null; <paramref name="state"/> says where it is.</summary>
    public static CellResult? Finished(SweepOptions o, GridCell cell, out string state)
    {
        string dir = Path.Combine(o.OutDir, cell.Name);
        CellResult? result = null;
        state = !Directory.Exists(dir) ? "not started"
            : SweepStaleness.Check(dir, cell.Config, o) is { } stale ? $"stale: trained with other settings ({stale})"
            : (result = CellResult.Read(dir)) is { } r && r.Cell == cell.Name ? "finished"
            : File.Exists(Path.Combine(dir, "summary.json")) ? "trained, final evaluation pending"
            : SweepRunner.InterruptedAt(dir) is { } step ? string.Create(CultureInfo.InvariantCulture, $"interrupted at step {step}") : "started, no checkpoint yet";
        return state == "finished" ? result : null;
    }
}
