// summary.json of a finished run: final losses, throughput, size and what objective was used.
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Rho1.Training.Runs;

public sealed record TrainSummary
{
    [JsonPropertyName("steps")] public int Steps { get; init; }
    [JsonPropertyName("tokens")] public long Tokens { get; init; }
    /// <summary>Last finite training loss logged; null if none was.</summary>
    [JsonPropertyName("final_loss")] public double? FinalLoss { get; init; }
    [JsonPropertyName("final_val_loss")] public double? FinalValLoss { get; init; }
    [JsonPropertyName("final_val_bpb")] public double? FinalValBpb { get; init; }
    /// <summary>Tokens the final held-out figures were computed over (train.eval_batches × batch_size windows, or the whole split).</summary>
    [JsonPropertyName("final_val_tokens"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public long? FinalValTokens { get; init; }
    /// <summary>Each --eval-task's metrics at the last evaluation (acc, acc_norm or exact_match, with standard errors).</summary>
    [JsonPropertyName("final_tasks"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public Dictionary<string, Dictionary<string, double>>? FinalTasks { get; init; }
    /// <summary>How the tasks were evaluated (few-shot, item limit, sequence start, layout), e.g. "3-shot, 50 items, harness start"; null without tasks.</summary>
    [JsonPropertyName("task_settings"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? TaskSettings { get; init; }
    [JsonPropertyName("wall_seconds")] public double WallSeconds { get; init; }
    [JsonPropertyName("tokens_per_s")] public double TokensPerSecond { get; init; }
    [JsonPropertyName("mfu")] public double Mfu { get; init; }
    [JsonPropertyName("peak_gflops")] public double PeakGflops { get; init; }
    [JsonPropertyName("parameters")] public long Parameters { get; init; }
    [JsonPropertyName("precision")] public string Precision { get; init; } = "fp32";
    [JsonPropertyName("device")] public string Device { get; init; } = "cpu";
    [JsonPropertyName("objective")] public JsonObject Objective { get; init; } = new();
    [JsonPropertyName("final_checkpoint")] public string FinalCheckpoint { get; init; } = "";
    /// <summary>The model the run started from (--init); absent for random weights.</summary>
    [JsonPropertyName("init_from"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? InitFrom { get; init; }
}
