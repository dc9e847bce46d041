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
    [property: JsonPropertyName("run")] string Run);
