// One finished cell of a grid as `sweep --collect` reports it: its result and how soon it reached the plain baseline.
namespace Rho1.Experiments.Grid;

/// <param name="StepsToBaseline">First evaluated step at which the cell's held-out curve reached the final loss of the
/// plain cell of the same seed; null when it never did or there is no such cell.</param>
/// <param name="Curve">The cell's held-out curve (metrics.jsonl), read once for the figures and the plots.</param>
public sealed record GridCellRow(GridCell Cell, CellResult Result, int? StepsToBaseline, long? TokensToBaseline, IReadOnlyList<CurvePoint> Curve);
