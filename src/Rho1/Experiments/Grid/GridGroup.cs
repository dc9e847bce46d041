// One (ratio, variant) group of a grid: its figures as mean ± standard error over the seeds that finished.
namespace Rho1.Experiments.Grid;

/// <param name="Planned">Cells of the group in the grid (one per seed); the statistics are over the finished ones.</param>
/// <param name="Reached">Finished cells whose curve reached the baseline's final loss (StepsToBaseline is over these).</param>
/// <param name="Tasks">Per --eval-task, the statistics of its headline metric (acc, else exact_match).</param>
public sealed record GridGroup(double Ratio, string Variant, int Planned, int Finished, SeedStatistics Loss, SeedStatistics Bpb,
    SeedStatistics StepsToBaseline, SeedStatistics TokensToBaseline, int Reached, IReadOnlyDictionary<string, SeedStatistics> Tasks);
