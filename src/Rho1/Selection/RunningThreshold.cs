// The global selection mode's threshold: an exponential moving average of each batch's top-k cutoff, so
// that tokens are kept by absolute score and about k of them on average. Pure; the caller keeps the state.
using TorchSharp;
using static TorchSharp.torch;

namespace Rho1.Selection;

public static class RunningThreshold
{
    static readonly Scalar One = 1.ToScalar(); // add_'s alpha, held for the process (see HeldScalars.cs)

    /// <summary>momentum·threshold + (1 − momentum)·cutoff, with <paramref name="momentum"/> in [0, 1).</summary>
    public static Tensor Next(Tensor threshold, Tensor cutoff, double momentum)
    {
        using Scalar keep = momentum.ToScalar(), take = (1 - momentum).ToScalar(); // held for the calls (HeldScalars.cs)
        using var taken = cutoff.mul(take);
        return threshold.mul(keep).add_(taken, One);
    }
}
