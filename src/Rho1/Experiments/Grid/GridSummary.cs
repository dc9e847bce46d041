// What `sweep --collect` finds in a grid's directory: each finished cell's figures, the (ratio, variant)
// groups' mean ± standard error over seeds, and the cells that are missing and why.
namespace Rho1.Experiments.Grid;

public sealed record GridSummary(IReadOnlyList<GridCellRow> Cells, IReadOnlyList<GridGroup> Groups, IReadOnlyList<(GridCell Cell, string Why)> Missing,
    IReadOnlyList<(string Task, string Metric)> TaskMetrics);
