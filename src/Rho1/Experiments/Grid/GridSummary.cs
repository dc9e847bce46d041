// What `sweep --collect` finds in a grid's directory: each finished cell's figures, the (ratio, variant)
// groups' mean ± standard error over seeds, and the cells that are missing and why.
namespace Rho1.Experiments.Grid;

/// <param name="StepsToBaseline">First evaluated step at which the cell's held-out curve reached the final loss of the
/// plain cell of the same seed; null when it never did or there is no such cell.</param>
public sealed record GridCellRow(GridCell Cell, CellResult Result, int? StepsToBaseline, long? TokensToBaseline, string Run);

/// <param name="Planned">Cells of the group in the grid (one per seed); the statistics are over the finished ones.</param>
/// <param name="Reached">Finished cells whose curve reached the baseline's final loss (StepsToBaseline is over these).</param>
/// <param name="Tasks">Per --eval-task, the statistics of its headline metric (acc, else exact_match).</param>
public sealed record GridGroup(double Ratio, string Variant, int Planned, int Finished, SeedStatistics Loss, SeedStatistics Bpb,
    SeedStatistics StepsToBaseline, SeedStatistics TokensToBaseline, int Reached, IReadOnlyDictionary<string, SeedStatistics> Tasks);

public sealed record GridSummary(IReadOnlyList<GridCellRow> Cells, IReadOnlyList<GridGroup> Groups, IReadOnlyList<(GridCell Cell, string Why)> Missing,
    IReadOnlyList<(string Task, string Metric)> TaskMetrics);
