// One cell of a sweep grid: a (ratio, variant, seed) with its run directory name and full config.
using System.Globalization;
using Rho1.Training.Configuration;

namespace Rho1.Experiments.Grid;

/// <param name="Index">Position in the grid's order (ratios, then variants, then seeds): what --cell and a job array take.</param>
/// <param name="Variant">The variant's name; "plain" for the 100% baseline, which every variant shares.</param>
public sealed record GridCell(int Index, double Ratio, string Variant, long Seed, RunConfig Config)
{
    /// <summary>The variant name of the baseline cells (ratio 1.0: every token trains, so selection variants do not differ).</summary>
    public const string Plain = "plain";

    /// <summary>The run directory's name under the sweep's --out, e.g. ratio-0.60-soft-seed-2.</summary>
    public string Name => string.Create(CultureInfo.InvariantCulture, $"{Sweep.RunName(Ratio)}-{Variant}-seed-{Seed}");

    public bool IsBaseline => Variant == Plain;
}
