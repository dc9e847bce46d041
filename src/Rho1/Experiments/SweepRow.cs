// One line of a sweep's summary: a ratio's final held-out figures and how soon it matched the baseline.
using System.Text.Json.Serialization;

namespace Rho1.Experiments;

public sealed record SweepRow(
    [property: JsonPropertyName("ratio")] double Ratio,
    [property: JsonPropertyName("final_heldout_loss")] double FinalLoss,
    [property: JsonPropertyName("final_heldout_bpb")] double FinalBpb,
    [property: JsonPropertyName("steps_to_baseline")] int? StepsToBaseline,
    [property: JsonPropertyName("steps")] int Steps,
    [property: JsonPropertyName("tokens_per_s")] double TokensPerSecond,
    [property: JsonPropertyName("run")] string Run)
{
    /// <summary>Tokens the final held-out figures cover (the whole --eval-data unless --final-eval-batches limits it).</summary>
    [JsonPropertyName("final_heldout_tokens")] public long HeldOutTokens { get; init; }

    /// <summary>Each --eval-task's final metrics (acc, acc_norm or exact_match, with standard errors).</summary>
    [JsonPropertyName("tasks")] public IReadOnlyDictionary<string, Dictionary<string, double>> Tasks { get; init; } = new Dictionary<string, Dictionary<string, double>>();
}
