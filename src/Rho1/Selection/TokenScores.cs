// How each score mode ranks tokens, from the training model's losses and the reference's. Pure tensor
// functions; `random` takes its generator from the caller so that resumes can reproduce it.
using static TorchSharp.torch;

namespace Rho1.Selection;

public static class TokenScores
{
    /// <summary>Score (B, T), higher = train on it. <paramref name="refLosses"/> may be null for Loss and Random.</summary>
    public static Tensor Compute(ScoreMode mode, Tensor trainLosses, Tensor? refLosses, Generator? generator) => mode switch
    {
        ScoreMode.Excess => ExcessLoss.Of(trainLosses, refLosses ?? throw new ArgumentNullException(nameof(refLosses), "excess needs reference losses")),
        ScoreMode.Loss => trainLosses.clone(),
        ScoreMode.Ref => -(refLosses ?? throw new ArgumentNullException(nameof(refLosses), "ref needs reference losses")),
        ScoreMode.Random => RandomScores.Uniform(trainLosses.shape, generator ?? throw new ArgumentNullException(nameof(generator), "random needs a generator"), trainLosses.device),
        _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, "unknown score mode"),
    };
}
