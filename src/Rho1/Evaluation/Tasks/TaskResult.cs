// One task's figures: accuracy metrics with standard errors, how many items, how long it took.
using System.Text.Json.Serialization;

namespace Rho1.Evaluation.Tasks;

/// <param name="Metrics">acc, acc_stderr, acc_norm, acc_norm_stderr (multiple choice) or exact_match, exact_match_stderr (generation).</param>
public sealed record TaskResult(
    [property: JsonPropertyName("task")] string Task,
    [property: JsonPropertyName("layout")] string Layout,
    [property: JsonPropertyName("items")] int Items,
    [property: JsonPropertyName("few_shot")] int FewShot,
    [property: JsonPropertyName("metrics")] IReadOnlyDictionary<string, double> Metrics,
    [property: JsonPropertyName("seconds")] double Seconds)
{
    /// <summary>Tokens generated (generation tasks only): with Seconds, the decoding speed.</summary>
    [JsonPropertyName("generated_tokens"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? GeneratedTokens { get; init; }

    /// <summary>Generated tokens per second of the task's time (prompts, few-shot framing and scoring included).</summary>
    [JsonPropertyName("generated_tokens_per_s"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? GeneratedTokensPerSecond => GeneratedTokens is { } n && Seconds > 0 ? Math.Round(n / Seconds, 1) : null;

    /// <summary>The task's headline metric: acc for multiple choice, exact_match for generation.</summary>
    [JsonIgnore] public string Headline => Metrics.ContainsKey(TaskMetrics.Acc) ? TaskMetrics.Acc : TaskMetrics.ExactMatch;

    /// <summary>"acc 0.4120 ± 0.0220  acc_norm 0.4300 ± 0.0221  (500 items, 0-shot)"; "± n/a" over one item.</summary>
    public string Describe() =>
        string.Join("  ", Metrics.Keys.Where(k => !TaskMetrics.IsStdErr(k)).Select(k => $"{k} {Metrics[k]:F4} {TaskMetrics.PlusMinus(Metrics, k)}"))
        + $"  ({Items:N0} item{(Items == 1 ? "" : "s")}, {FewShot}-shot" + (GeneratedTokens is { } n ? $", {n:N0} tokens generated at {GeneratedTokensPerSecond:N1}/s)" : ")");
}
