// How each --score mode ranks tokens, from the training model's losses and the reference's. Pure tensor
// functions; `random` takes its generator from the caller so that resumes can reproduce it.
using static TorchSharp.torch;

namespace Rho1.Selection;

public static class TokenScores
{
    /// <summary>Score (B, T), higher = train on it. <paramref name="refLosses"/> may be null for loss and random.</summary>
    public static Tensor Compute(string mode, Tensor trainLosses, Tensor? refLosses, Generator? generator) => mode switch
    {
        "excess" => trainLosses - (refLosses ?? throw new ArgumentNullException(nameof(refLosses), "excess needs reference losses")),
        "loss" => trainLosses.clone(),
        "ref" => -(refLosses ?? throw new ArgumentNullException(nameof(refLosses), "ref needs reference losses")),
        "random" => rand(trainLosses.shape, generator: generator, device: trainLosses.device),
        _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, "must be excess, loss, ref or random"),
    };
}
