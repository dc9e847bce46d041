// What `rho1 analyze` is asked to do.

namespace Rho1.Evaluation.Dynamics;

/// <param name="Checkpoints">Two or more checkpoints of one run, in training order.</param>
/// <param name="DataDir">Prepared held-out dataset.</param>
/// <param name="OutDir">Directory for token-categories.{json,md,png}.</param>
/// <param name="MaxTokens">Analyse at most this many tokens (whole windows).</param>
public sealed record AnalyzeOptions(IReadOnlyList<string> Checkpoints, string DataDir, string OutDir, string? Split = null, long MaxTokens = 65536,
    int BatchSize = 16, string Device = "auto")
{
    /// <summary>Called after each batch with (windows done, windows in all), over every checkpoint.</summary>
    public Action<long, long>? OnProgress { get; init; }
}
