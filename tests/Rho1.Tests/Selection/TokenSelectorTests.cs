// Selection against a naive reference: sort (score descending, position ascending) and keep the first
// ceil(k·n). Random scores, ties, ratios that do not give whole counts, and tiny batches.
using Rho1.Selection;
using TorchSharp;
using static TorchSharp.torch;

namespace Rho1.Tests.Selection;

public class TokenSelectorTests
{
    static float[] NaiveMask(float[] scores, double ratio)
    {
        long keep = Math.Clamp((long)Math.Ceiling(ratio * scores.Length - 1e-9), 1, scores.Length);
        var order = Enumerable.Range(0, scores.Length).OrderByDescending(i => scores[i]).ThenBy(i => i).Take((int)keep).ToHashSet();
        return Enumerable.Range(0, scores.Length).Select(i => order.Contains(i) ? 1f : 0f).ToArray();
    }

    static float[] RandomScores(int n, int seed, bool ties)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, n).Select(_ => ties ? rng.Next(4) : (float)rng.NextDouble() * 10 - 5).ToArray();
    }

    public static TheoryData<int, int, double, bool> Cases() => new()
    {
        { 4, 16, 0.6, false }, { 4, 16, 0.6, true }, { 3, 7, 0.33, true }, { 1, 1, 0.5, false },
        { 1, 3, 0.01, true }, { 2, 5, 1.0, true }, { 8, 64, 0.45, false }, { 5, 9, 0.7, true },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Batch_selection_matches_the_naive_sort(int b, int t, double ratio, bool ties)
    {
        float[] s = RandomScores(b * t, b * 100 + t, ties);
        var mask = TokenSelector.TopOfBatch(torch.tensor(s, new long[] { b, t }), ratio);
        Assert.Equal(new long[] { b, t }, mask.shape);
        Assert.Equal(NaiveMask(s, ratio), mask.data<float>().ToArray());
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Sequence_selection_matches_the_naive_sort_per_row(int b, int t, double ratio, bool ties)
    {
        float[] s = RandomScores(b * t, b * 31 + t, ties);
        var mask = TokenSelector.TopOfEachSequence(torch.tensor(s, new long[] { b, t }), ratio).data<float>().ToArray();
        for (int row = 0; row < b; row++)
            Assert.Equal(NaiveMask(s[(row * t)..((row + 1) * t)], ratio), mask[(row * t)..((row + 1) * t)]);
    }

    [Theory]
    [InlineData(10, 0.6, 6)]
    [InlineData(10, 0.61, 7)]
    [InlineData(3, 0.5, 2)]
    [InlineData(7, 0.01, 1)]
    [InlineData(5, 1.0, 5)]
    [InlineData(100, 0.3, 30)]
    public void Keep_count_is_the_ceiling_of_k_n(long n, double ratio, long expected) =>
        Assert.Equal(expected, TokenSelector.KeepCount(n, ratio));

    [Fact]
    public void Masked_mean_divides_by_the_kept_count_not_by_all()
    {
        var losses = torch.tensor(new float[] { 1, 2, 3, 4, 10, 20 }, new long[] { 2, 3 });
        var mask = torch.tensor(new float[] { 0, 1, 0, 1, 1, 0 }, new long[] { 2, 3 });
        Assert.Equal((2 + 4 + 10) / 3.0, TokenSelector.MaskedMean(losses, mask).item<float>(), 5);
    }

    [Fact]
    public void Cutoff_is_the_kth_largest_score()
    {
        var s = torch.tensor(new float[] { 5, 1, 9, 3, 7 });
        Assert.Equal(7f, TokenSelector.Cutoff(s, 0.4).item<float>()); // keep 2: 9 and 7
        Assert.Equal(1f, TokenSelector.Cutoff(s, 1.0).item<float>());
    }

    [Fact]
    public void Excess_loss_is_training_minus_reference_and_ref_prefers_low_reference_loss()
    {
        var train = torch.tensor(new float[] { 3, 1, 2 });
        var reference = torch.tensor(new float[] { 1, 1, 5 });
        Assert.Equal(new float[] { 2, 0, -3 }, TokenScores.Compute(ScoreMode.Excess, train, reference, null).data<float>().ToArray());
        Assert.Equal(new float[] { 3, 1, 2 }, TokenScores.Compute(ScoreMode.Loss, train, null, null).data<float>().ToArray());
        Assert.Equal(new float[] { -1, -1, -5 }, TokenScores.Compute(ScoreMode.Ref, train, reference, null).data<float>().ToArray());
        var r1 = TokenScores.Compute(ScoreMode.Random, train, null, new Generator(7)).data<float>().ToArray();
        var r2 = TokenScores.Compute(ScoreMode.Random, train, null, new Generator(7)).data<float>().ToArray();
        Assert.Equal(r1, r2);
        Assert.All(r1, v => Assert.InRange(v, 0f, 1f));
    }
}
