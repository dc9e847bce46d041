// The Rho-1 selection math as pure functions of score tensors: which tokens of a (B, T) batch receive
// gradient. No models, files or devices beyond the tensors given. Higher score = more worth training on.
// Ties are broken by position (earlier token first), so the result is deterministic and testable.
using TorchSharp;
using static TorchSharp.torch;

namespace Rho1.Selection;

public static class TokenSelector
{
    static readonly Scalar One = 1.0.ToScalar(); // a mask's fill and a count's floor, held for the process (see HeldScalars.cs)

    /// <summary>Tokens kept out of <paramref name="n"/> at ratio k: ceil(k·n), at least 1 and at most n.</summary>
    public static long KeepCount(long n, double ratio)
    {
        if (n <= 0) throw new ArgumentOutOfRangeException(nameof(n), n, "must be positive");
        if (!(ratio > 0 && ratio <= 1)) throw new ArgumentOutOfRangeException(nameof(ratio), ratio, "must be in (0, 1]");
        return Math.Clamp((long)Math.Ceiling(ratio * n - 1e-9), 1, n);
    }

    /// <summary>The mask of <paramref name="mode"/>: Batch and Sequence rank <paramref name="scores"/>; Global keeps scores at or above <paramref name="threshold"/>.</summary>
    public static Tensor Select(SelectMode mode, Tensor scores, double ratio, Tensor? threshold = null) => mode switch
    {
        SelectMode.Batch => TopOfBatch(scores, ratio),
        SelectMode.Sequence => TopOfEachSequence(scores, ratio),
        SelectMode.Global => AboveThreshold(scores, threshold ?? throw new ArgumentNullException(nameof(threshold), "global selection needs a threshold")),
        _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, "unknown select mode"),
    };

    /// <summary>Mask (B, T) of 1s on the top ceil(k·B·T) scores of the whole batch, 0s elsewhere.</summary>
    public static Tensor TopOfBatch(Tensor scores, double ratio)
    {
        using var scope = NewDisposeScope();
        var flat = scores.reshape(-1);
        long keep = KeepCount(flat.shape[0], ratio);
        var order = flat.sort(dim: 0, descending: true, stable: true).Indices;
        var mask = zeros_like(flat).index_fill_(0, order.narrow(0, 0, keep), One);
        return mask.view(scores.shape).MoveToOuterDisposeScope();
    }

    /// <summary>Mask (B, T) keeping the top ceil(k·T) scores within each sequence.</summary>
    public static Tensor TopOfEachSequence(Tensor scores, double ratio)
    {
        using var scope = NewDisposeScope();
        long keep = KeepCount(scores.shape[1], ratio);
        var order = scores.sort(dim: 1, descending: true, stable: true).Indices;  // (B, T)
        var top = order.narrow(1, 0, keep);                                        // (B, keep)
        var mask = zeros_like(scores).scatter_(1, top, ones(top.shape, scores.dtype, scores.device)); // (B, T)
        return mask.MoveToOuterDisposeScope();
    }

    /// <summary>Mask (B, T) of scores at or above <paramref name="threshold"/> (a 0-dim tensor).</summary>
    public static Tensor AboveThreshold(Tensor scores, Tensor threshold) =>
        scores.ge(threshold).to(scores.dtype);

    /// <summary>The score that a fraction <paramref name="ratio"/> of <paramref name="scores"/> reach: the ceil(k·n)-th largest.</summary>
    public static Tensor Cutoff(Tensor scores, double ratio)
    {
        using var scope = NewDisposeScope();
        var flat = scores.reshape(-1);
        long keep = KeepCount(flat.shape[0], ratio);
        return flat.sort(dim: 0, descending: true, stable: true).Values[keep - 1].MoveToOuterDisposeScope();
    }

    /// <summary>Mean of <paramref name="losses"/> over the masked tokens, normalised by the number kept (not by B·T).</summary>
    public static Tensor MaskedMean(Tensor losses, Tensor mask) =>
        (losses * mask).sum() / mask.sum().clamp_min(One);
}
