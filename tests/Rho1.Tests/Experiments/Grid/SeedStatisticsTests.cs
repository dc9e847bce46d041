// Mean ± standard error over seeds against closed forms: s = sqrt(Σ(x - x̄)² / (n - 1)), s.e. = s / √n.
using Rho1.Experiments.Grid;

namespace Rho1.Tests.Experiments.Grid;

public class SeedStatisticsTests
{
    [Fact]
    public void Four_values_give_the_sample_standard_deviation_over_root_n()
    {
        var s = SeedStatistics.Of([1.0, 2.0, 3.0, 4.0]);
        Assert.Equal(2.5, s.Mean, 15);
        // Σ(x - 2.5)² = 5; s² = 5/3; s.e. = sqrt(5/3) / 2.
        Assert.Equal(Math.Sqrt(5.0 / 3.0) / 2.0, s.StdErr, 15);
        Assert.Equal(4, s.Count);
    }

    [Fact]
    public void Two_values_give_half_their_distance()
    {
        // n = 2: s = |a - b| / √2, s.e. = s / √2 = |a - b| / 2.
        var s = SeedStatistics.Of([2.9296, 3.0448]);
        Assert.Equal((2.9296 + 3.0448) / 2, s.Mean, 15);
        Assert.Equal((3.0448 - 2.9296) / 2, s.StdErr, 14);
    }

    [Fact]
    public void Against_a_float64_loop_on_seeded_values()
    {
        var rng = new Random(5);
        var values = Enumerable.Range(0, 7).Select(_ => 3 + rng.NextDouble()).ToArray();
        double mean = 0;
        foreach (double v in values) mean += v;
        mean /= values.Length;
        double squares = 0;
        foreach (double v in values) squares += (v - mean) * (v - mean);
        var s = SeedStatistics.Of(values);
        Assert.Equal(mean, s.Mean, 14);
        Assert.Equal(Math.Sqrt(squares / 6) / Math.Sqrt(7), s.StdErr, 14);
    }

    [Fact]
    public void One_seed_has_no_standard_error_and_missing_figures_do_not_count()
    {
        var one = SeedStatistics.Of([3.25]);
        Assert.Equal(3.25, one.Mean);
        Assert.True(double.IsNaN(one.StdErr));
        var some = SeedStatistics.Of([1.0, double.NaN, 3.0]);
        Assert.Equal(2, some.Count);
        Assert.Equal(2.0, some.Mean);
        Assert.Equal(1.0, some.StdErr, 15);
        var none = SeedStatistics.Of([]);
        Assert.Equal(0, none.Count);
        Assert.True(double.IsNaN(none.Mean));
    }
}
