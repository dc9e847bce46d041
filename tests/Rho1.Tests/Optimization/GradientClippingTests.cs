// Global-norm clipping over the flat gradient buffer against a hand computation (values 3, 4 and 12 have norm 13) and a
// float64 re-implementation; the block partials against a naive loop, owned ranges against the whole.
using Rho1.Optimization;
using TorchSharp;
using static TorchSharp.torch;

namespace Rho1.Tests.Optimization;

public class GradientClippingTests
{
    /// <summary>What AdamW.ClipGradients does over an unsharded store: the block squares, their norm, the scale.</summary>
    static Tensor ClipFlat(Tensor flat, double maxNorm, long block)
    {
        using var noGrad = torch.no_grad();
        using var squares = GradientClipping.BlockSquares(flat, ShardLayout.Whole(flat.numel()), block);
        var norm = GradientClipping.Norm(squares);
        GradientClipping.Scale(flat, norm, maxNorm);
        return norm;
    }

    [Theory]
    [InlineData(2L)] // blocks [3, 4] and [12]: a full block and a tail
    [InlineData(64L)]
    public void Above_the_limit_gradients_are_scaled_to_it_and_the_norm_before_is_returned(long block)
    {
        var flat = torch.tensor(new float[] { 3, 4, 12 });
        var norm = ClipFlat(flat, maxNorm: 6.5, block);
        Assert.Equal(13f, norm.item<float>());
        float scale = (float)(6.5f / (13f + 1e-6f));
        Assert.All(flat.data<float>().ToArray().Zip(new[] { 3 * scale, 4 * scale, 12 * scale }), x => Assert.Equal(x.Second, x.First, 1e-6f));
        Assert.Equal(6.5, Math.Sqrt(flat.data<float>().ToArray().Sum(x => (double)x * x)), 5);
    }

    [Theory]
    [InlineData(20.0)]
    [InlineData(0.0)] // 0 disables clipping
    public void Below_the_limit_or_disabled_gradients_are_untouched(double maxNorm)
    {
        var flat = torch.tensor(new float[] { 3, 4, 12 });
        var norm = ClipFlat(flat, maxNorm, block: 2);
        Assert.Equal(13f, norm.item<float>());
        Assert.Equal(new float[] { 3, 4, 12 }, flat.data<float>().ToArray());
    }

    [Fact]
    public void Block_partials_are_each_blocks_squared_sum_and_the_norm_matches_float64()
    {
        const long n = 1_000_003, block = 4096; // many groups of rows and a tail
        var values = torch.randn(n, generator: new Generator(5));
        var partials = GradientClipping.BlockSquares(values, ShardLayout.Whole(n), block).data<float>().ToArray();
        var data = values.data<float>().ToArray();
        Assert.Equal((int)((n + block - 1) / block), partials.Length);
        for (int k = 0; k < partials.Length; k++)
        {
            double naive = 0;
            for (long i = k * block; i < Math.Min(n, (k + 1) * block); i++) naive += (double)data[i] * data[i];
            Assert.Equal(naive, partials[k], naive * 1e-5);
        }
        double exact = Math.Sqrt(data.Sum(x => (double)x * x));
        Assert.Equal(exact, GradientClipping.Norm(torch.tensor(partials)).item<float>(), exact * 1e-6);
    }

    [Fact]
    public void A_ranks_owned_ranges_give_their_blocks_and_zeros_elsewhere()
    {
        var store = torch.arange(100, dtype: ScalarType.Float32);
        var layout = ShardLayout.Chunked(100, 1, 3, 40, 4); // rank 1 owns [12, 24), [48, 60) and [84, 96)
        var local = torch.cat([store.narrow(0, 12, 12), store.narrow(0, 48, 12), store.narrow(0, 84, 12)]);
        var partials = GradientClipping.BlockSquares(local, layout, 4).data<float>().ToArray();
        var whole = GradientClipping.BlockSquares(store, ShardLayout.Whole(100), 4).data<float>().ToArray();
        for (int k = 0; k < 25; k++)
            Assert.Equal(k is >= 3 and < 6 or >= 12 and < 15 or >= 21 and < 24 ? whole[k] : 0f, partials[k]);
    }
}
