// WindowSampler: every window exactly once per epoch, a resumed cursor continues the identical sequence, and
// the order is pinned by our own SplitMix64 (reference values), not by System.Random.
using Rho1.Data;
using Rho1.Data.Sampling;

namespace Rho1.Tests.Data;

public class WindowSamplerTests
{
    [Fact]
    public void SplitMix64_matches_the_reference_sequence()
    {
        // Reference values of SplitMix64 seeded with 0 (Vigna's splitmix64.c).
        var rng = new SplitMix64(0);
        Assert.Equal(0xE220A8397B1DCDAFUL, rng.Next());
        Assert.Equal(0x6E789E6AA1B965F4UL, rng.Next());
        Assert.Equal(0x06C45D188009454FUL, rng.Next());
    }

    [Theory]
    [InlineData(101, 10, 10)]
    [InlineData(100, 10, 9)]
    [InlineData(11, 10, 1)]
    [InlineData(1000, 1, 999)]
    public void Windows_per_epoch_is_tokens_minus_one_over_t(long tokens, int t, long windows) =>
        Assert.Equal(windows, new WindowSampler(tokens, t, seed: 1).WindowsPerEpoch);

    [Fact]
    public void Each_epoch_visits_every_window_once_in_a_new_order()
    {
        const int T = 8;
        const long Tokens = 8 * 500 + 5;
        var sampler = new WindowSampler(Tokens, T, seed: 42);
        long w = sampler.WindowsPerEpoch;
        var epochs = new List<long[]>();
        for (int e = 0; e < 3; e++)
        {
            var starts = Enumerable.Range(0, (int)w).Select(_ => sampler.NextStart()).ToArray();
            Assert.Equal(Enumerable.Range(0, (int)w).Select(k => (long)k * T), starts.Order());
            Assert.All(starts, s => Assert.True(s + T + 1 <= Tokens));
            epochs.Add(starts);
        }
        Assert.NotEqual(epochs[0], epochs[1]);
        Assert.NotEqual(epochs[1], epochs[2]);
        Assert.NotEqual(Enumerable.Range(0, (int)w).Select(k => (long)k * T), epochs[0]); // actually shuffled
        Assert.Equal(new SamplerCursor(2, w), sampler.Cursor);
    }

    [Fact]
    public void A_restored_cursor_continues_the_identical_sequence()
    {
        var uninterrupted = new WindowSampler(10_007, 16, seed: 7);
        var reference = Enumerable.Range(0, 2000).Select(_ => uninterrupted.NextStart()).ToArray();
        foreach (int stopAt in new[] { 0, 1, 624, 625, 1300 }) // 625 windows per epoch: stops at, before and after the boundary
        {
            var first = new WindowSampler(10_007, 16, seed: 7);
            for (int i = 0; i < stopAt; i++)
                first.NextStart();
            var resumed = new WindowSampler(10_007, 16, seed: 7);
            resumed.Restore(first.Cursor);
            Assert.Equal(reference[stopAt..], Enumerable.Range(stopAt, 2000 - stopAt).Select(_ => resumed.NextStart()));
        }
    }

    [Fact]
    public void Different_seeds_give_different_orders() =>
        Assert.NotEqual(Take(new WindowSampler(5000, 4, seed: 1), 50), Take(new WindowSampler(5000, 4, seed: 2), 50));

    [Fact]
    public void A_split_shorter_than_one_window_says_how_many_tokens_it_has_and_needs()
    {
        var e = Assert.Throws<UserErrorException>(() => new WindowSampler(64, 64, seed: 1, splitName: "val"));
        Assert.Contains("val has 64 tokens", e.Message);
        Assert.Contains("needs 65", e.Message);
    }

    [Fact]
    public void A_cursor_past_the_epoch_is_refused()
    {
        var sampler = new WindowSampler(101, 10, seed: 1);
        Assert.Throws<UserErrorException>(() => sampler.Restore(new SamplerCursor(0, 11)));
    }

    static long[] Take(WindowSampler sampler, int n) => Enumerable.Range(0, n).Select(_ => sampler.NextStart()).ToArray();
}
