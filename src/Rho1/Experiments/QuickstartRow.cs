// One run of quickstart's table: its final clean held-out figures and how soon it reached the baseline's.

namespace Rho1.Experiments;

public sealed record QuickstartRow(string Run, double Ratio, double HeldoutLoss, double HeldoutBpb, int? StepsToBaseline, double TokensPerSecond, string Dir)
{
    /// <summary>Held-out tokens the figures cover: the first train.eval_batches × batch_size windows.</summary>
    public long HeldoutTokens { get; init; }
}
