// Soft selection: instead of a 0/1 mask, every token gets a weight in (0, 1) that rises smoothly through the
// hard top-k cutoff: sigmoid((score − cutoff) / (temperature · std(scores))). Tokens far above the cutoff count
// fully, far below hardly at all, and near-ties no longer flip between all and nothing. The loss divides by the
// weights' sum (TokenSelector.MaskedMean), so its scale is a mean per token as with hard top-k; as the
// temperature goes to 0 the weights become the hard mask. Pure.
using TorchSharp;
using static TorchSharp.torch;

namespace Rho1.Selection;

public static class SoftSelection
{
    /// <summary>Weights (B, T) around <paramref name="cutoff"/> (0-dim, or (B, 1) per sequence).</summary>
    public static Tensor Weights(Tensor scores, Tensor cutoff, double temperature)
    {
        if (!(temperature > 0)) throw new ArgumentOutOfRangeException(nameof(temperature), temperature, "must be positive");
        using var scope = NewDisposeScope();
        using Scalar floor = 1e-6.ToScalar(), t = temperature.ToScalar(); // held for the calls (HeldScalars.cs)
        var width = scores.std().clamp_min(floor).mul(t);
        return ((scores - cutoff) / width).sigmoid().MoveToOuterDisposeScope();
    }

    /// <summary>Each row's top-k cutoff: the ceil(k·T)-th largest score of each sequence, (B, 1).</summary>
    public static Tensor RowCutoffs(Tensor scores, double ratio)
    {
        using var scope = NewDisposeScope();
        long keep = TokenSelector.KeepCount(scores.shape[1], ratio);
        return scores.sort(dim: 1, descending: true, stable: true).Values.narrow(1, keep - 1, 1).MoveToOuterDisposeScope();
    }
}
