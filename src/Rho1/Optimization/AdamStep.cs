// One AdamW update of one tensor (or a piece of one), with its numbers held as Scalars for the whole step: TorchSharp
// turns a bare number into a temporary Scalar that the GC may finalize while libtorch still reads it (see
// HeldScalars.cs), so every number here lives until the step's Dispose. Sharded or not, AdamW
// makes this same update of every value, so the same bits.
using TorchSharp;
using static TorchSharp.torch;

namespace Rho1.Optimization;

internal sealed class AdamStep : IDisposable
{
    readonly Scalar _decayFactor, _beta1, _oneMinusBeta1, _beta2, _oneMinusBeta2, _sqrtBc2, _eps, _stepSize, _one;
    readonly bool _decays;

    /// <param name="step">The update's number, from 1 (bias corrections).</param>
    public AdamStep(double lr, double beta1, double beta2, double eps, double weightDecay, long step)
    {
        double bc1 = 1 - Math.Pow(beta1, step), bc2 = 1 - Math.Pow(beta2, step);
        _decays = weightDecay > 0;
        _decayFactor = (1 - lr * weightDecay).ToScalar();
        (_beta1, _oneMinusBeta1) = (beta1.ToScalar(), (1 - beta1).ToScalar());
        (_beta2, _oneMinusBeta2) = (beta2.ToScalar(), (1 - beta2).ToScalar());
        _sqrtBc2 = Math.Sqrt(bc2).ToScalar();
        _eps = eps.ToScalar();
        _stepSize = (-lr / bc1).ToScalar();
        _one = 1.ToScalar();
    }

    /// <summary>Values updated at a time: the update's one temporary stays 16 MB (fp32) however large the tensor, below glibc's
    /// 32 MB mmap threshold, so it is reused from the heap; a (V, C) embedding's would otherwise be a block of its size,
    /// mapped and faulted in afresh every step.</summary>
    public const long BlockElements = 4L << 20;

    /// <summary>256K values: 1 MB per array, a block's five arrays well within a CPU's L3 (few calls per MB, each on cached data).</summary>
    public const long CpuBlockElements = 256L << 10;

    /// <summary>
    /// Values updated at a time on <paramref name="device"/>: on a CPU a block whose five arrays (weights, gradient, moments,
    /// one temporary) stay in a core's cache, as a per-tensor loop over small tensors got for free (RHO1_ADAM_BLOCK overrides
    /// it, for benchmarks); on CUDA BlockElements, where fewer, larger kernels are what counts.
    /// </summary>
    public static long BlockFor(Device device) => device.type == DeviceType.CUDA ? BlockElements
        : long.TryParse(Environment.GetEnvironmentVariable("RHO1_ADAM_BLOCK"), out long b) && b > 0 ? b : CpuBlockElements;

    /// <summary>(start, length) of the blocks of at most <paramref name="block"/> values that cover <paramref name="n"/> values, in order.</summary>
    public static IEnumerable<(long Start, long Length)> Blocks(long n, long block = BlockElements)
    {
        for (long start = 0; start < n; start += block)
            yield return (start, Math.Min(block, n - start));
    }

    /// <summary>Updates <paramref name="p"/> and its moments in place from gradient <paramref name="g"/>; decoupled weight decay when <paramref name="decay"/>.
    /// Element by element, so a tensor updated in blocks gets the same bits.</summary>
    /// <param name="block">Values per block (default BlockElements); smaller keeps a block's five arrays in a CPU core's cache.</param>
    public void Apply(Tensor p, Tensor g, Tensor m, Tensor v, bool decay, long block = BlockElements)
    {
        long n = p.numel();
        if (n > block && p.is_contiguous() && g.is_contiguous() && m.is_contiguous() && v.is_contiguous())
        {
            var (pf, gf, mf, vf) = (p.view(-1), g.view(-1), m.view(-1), v.view(-1));
            foreach (var (start, length) in Blocks(n, block))
            {
                using var scope = torch.NewDisposeScope();
                ApplyBlock(pf.narrow(0, start, length), gf.narrow(0, start, length), mf.narrow(0, start, length), vf.narrow(0, start, length), decay);
            }
            return;
        }
        using (torch.NewDisposeScope())
            ApplyBlock(p, g, m, v, decay);
    }

    void ApplyBlock(Tensor p, Tensor g, Tensor m, Tensor v, bool decay)
    {
        if (decay && _decays)
            p.mul_(_decayFactor);
        m.mul_(_beta1).add_(g, alpha: _oneMinusBeta1);
        v.mul_(_beta2).addcmul_(g, g, value: _oneMinusBeta2);
        var denom = v.sqrt().div_(_sqrtBc2).add_(_eps, _one);
        p.addcdiv_(m, denom, value: _stepSize);
    }

    public void Dispose()
    {
        foreach (var s in new[] { _decayFactor, _beta1, _oneMinusBeta1, _beta2, _oneMinusBeta2, _sqrtBc2, _eps, _stepSize, _one })
            s.Dispose();
    }
}
