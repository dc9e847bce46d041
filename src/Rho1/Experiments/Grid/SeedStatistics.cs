// Mean and standard error of a figure over a cell group's seeds: the "± s.e." of a sweep's summary. Pure.
// The standard error is the sample standard deviation (n - 1 in the denominator) over √n; one seed has none.
namespace Rho1.Experiments.Grid;

/// <param name="Mean">Arithmetic mean of the finite values; NaN when there are none.</param>
/// <param name="StdErr">s / √n with s the sample standard deviation; NaN for fewer than two values.</param>
/// <param name="Count">Finite values the figures are over.</param>
public sealed record SeedStatistics(double Mean, double StdErr, int Count)
{
    /// <summary>Statistics of the finite values among <paramref name="values"/> (a seed whose figure is missing does not count).</summary>
    public static SeedStatistics Of(IEnumerable<double> values)
    {
        var finite = values.Where(double.IsFinite).ToList();
        int n = finite.Count;
        if (n == 0) return new SeedStatistics(double.NaN, double.NaN, 0);
        double mean = finite.Sum() / n;
        if (n == 1) return new SeedStatistics(mean, double.NaN, 1);
        double squares = finite.Sum(v => (v - mean) * (v - mean));
        return new SeedStatistics(mean, Math.Sqrt(squares / (n - 1) / n), n);
    }
}
