// A tensor larger than AdamStep.BlockElements (a (V, C) embedding) is updated a block at a time, so that the
// step's temporaries stay block-sized: the update must be the same bits as the unblocked one (it is element by element).
// The clipping norm's blocks: GradientClippingTests.
using Rho1.Optimization;
using TorchSharp;
using static TorchSharp.torch;

namespace Rho1.Tests.Optimization;

public class BlockedUpdateTests
{
    static readonly long N = AdamStep.BlockElements + 1234; // two blocks, the second a short one

    static Tensor Random(int seed, double scale = 1) => torch.randn(N, generator: new Generator((ulong)seed)) * scale;

    [Fact]
    public void A_tensor_above_a_block_is_updated_to_the_same_bits_as_its_parts_unblocked()
    {
        var (p, g, m, v) = (Random(1), Random(2, 1e-2), Random(3, 1e-3), Random(4, 1e-4).abs());
        var (p2, m2, v2) = (p.clone(), m.clone(), v.clone());
        using var step = new AdamStep(1e-3, 0.9, 0.95, 1e-8, 0.1, step: 3);
        step.Apply(p, g, m, v, decay: true); // blocked: more than BlockElements values
        long half = N / 2;                   // each half at most a block: the unblocked path
        foreach (var (start, length) in new[] { (0L, half), (half, N - half) })
            step.Apply(p2.narrow(0, start, length), g.narrow(0, start, length), m2.narrow(0, start, length), v2.narrow(0, start, length), decay: true);
        static bool Same(Tensor a, Tensor b) => a.eq(b).all().item<bool>();
        Assert.True(Same(p, p2) && Same(m, m2) && Same(v, v2));
        Assert.False(Same(p, Random(1))); // it did update
    }
}
