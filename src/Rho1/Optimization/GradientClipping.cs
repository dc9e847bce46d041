// Global gradient-norm clipping over the flat gradient buffer, without a host read: the norm stays a device tensor until
// logging asks for it. The norm is summed in fixed blocks of the store (NormBlock values at fixed offsets), a squared sum
// per block and then the sum of those: a few calls per block-run whatever the tensor count, and the same blocks whether
// one process holds the whole store or N ranks own chunks of it (ZeRO-1), so both get the same bits.
using TorchSharp;
using static TorchSharp.torch;

namespace Rho1.Optimization;

public static class GradientClipping
{
    /// <summary>Values per block of the norm's partial sums: 64K (256 KB of fp32).</summary>
    public const long NormBlock = 64L << 10;

    /// <summary>Blocks squared and summed per call: 4 on a CPU (1 MB, cache-sized), 64 on CUDA (fewer, larger kernels).</summary>
    public static long RowsPerCall(Device device) => device.type == DeviceType.CUDA ? 64 : 4;

    /// <summary>
    /// The squared sum of every block of <paramref name="layout"/>'s store that this rank owns, at its index (offset / block)
    /// in a vector of ⌈P / block⌉ values, the other entries zero; <paramref name="local"/> holds the owned values at their
    /// local offsets (the gradient buffer itself when unsharded). Every owned range starts at a multiple of the block.
    /// </summary>
    public static Tensor BlockSquares(Tensor local, ShardLayout layout, long block = NormBlock)
    {
        var partials = torch.zeros(Math.Max(1, (layout.Length + block - 1) / block), device: local.device);
        long group = RowsPerCall(local.device) * block;
        using var noGrad = torch.no_grad();
        foreach (var range in layout.Owned)
        {
            if (range.Start % block != 0) throw new InvalidOperationException($"an owned range starts at {range.Start}, not a multiple of the norm block {block}");
            for (long offset = 0; offset < range.Length; offset += group)
            {
                long n = Math.Min(group, range.Length - offset), full = n / block, tail = n % block;
                long index = (range.Start + offset) / block;
                using var values = local.narrow(0, range.LocalStart + offset, n);
                if (full > 0)
                    RowSquares(values.narrow(0, 0, full * block).view(full, block), partials.narrow(0, index, full));
                if (tail > 0)
                    RowSquares(values.narrow(0, full * block, tail).view(1, tail), partials.narrow(0, index + full, 1));
            }
        }
        return partials;
    }

    /// <summary>Σ x² of each row of <paramref name="rows"/> into <paramref name="into"/>; every block is reduced as a row, the tail too.</summary>
    static void RowSquares(Tensor rows, Tensor into)
    {
        using (rows)
        using (into)
        using (var squares = rows.pow(HeldScalars.Two)) // square() would make a Scalar of its own (HeldScalars.cs)
        using (var sums = squares.sum(1))
            into.copy_(sums);
    }

    /// <summary>√ of the sum of the block squares (in block order, so the same bits from the same vector).</summary>
    public static Tensor Norm(Tensor blockSquares)
    {
        using var sum = blockSquares.sum();
        return sum.sqrt();
    }

    /// <summary>Multiplies <paramref name="grads"/> by min(1, maxNorm / (norm + 1e-6)); nothing when <paramref name="maxNorm"/> is 0.</summary>
    public static void Scale(Tensor grads, Tensor norm, double maxNorm)
    {
        if (maxNorm <= 0) return;
        using var scope = torch.NewDisposeScope();
        using Scalar eps = 1e-6.ToScalar(), one = 1.0.ToScalar(), limit = maxNorm.ToScalar(); // held for the calls (HeldScalars.cs)
        var denominator = norm.add(eps, one);
        grads.mul_(torch.full_like(denominator, limit).div_(denominator).clamp_max_(one));
    }
}
