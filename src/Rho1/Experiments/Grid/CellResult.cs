// sweep-cell.json: what a finished grid cell contributes to the sweep's summary, written into the cell's run
// directory after its final held-out evaluation. `sweep --collect` reads these (and metrics.jsonl) only: it
// neither loads a model nor needs a device, and a cell without one is reported missing.
using System.Text.Json;
using System.Text.Json.Serialization;
using Rho1.IO;

namespace Rho1.Experiments.Grid;

public sealed record CellResult
{
    public const string FileName = "sweep-cell.json";

    [JsonPropertyName("cell")] public string Cell { get; init; } = "";
    [JsonPropertyName("ratio")] public double Ratio { get; init; }
    [JsonPropertyName("variant")] public string Variant { get; init; } = "";
    [JsonPropertyName("seed")] public long Seed { get; init; }
    [JsonPropertyName("final_heldout_loss")] public double FinalLoss { get; init; }
    [JsonPropertyName("final_heldout_bpb")] public double FinalBpb { get; init; }
    /// <summary>Tokens the final held-out figures cover (the whole --eval-data unless --final-eval-batches limits it).</summary>
    [JsonPropertyName("final_heldout_tokens")] public long HeldOutTokens { get; init; }
    [JsonPropertyName("steps")] public int Steps { get; init; }
    [JsonPropertyName("tokens")] public long Tokens { get; init; }
    /// <summary>The last per-step held-out loss (train.eval_batches of the held-out set): what "steps to the baseline" aims at.</summary>
    [JsonPropertyName("final_curve_loss")] public double? FinalCurveLoss { get; init; }
    [JsonPropertyName("tokens_per_s")] public double TokensPerSecond { get; init; }
    /// <summary>Each --eval-task's final metrics (acc, acc_norm or exact_match, with standard errors).</summary>
    [JsonPropertyName("tasks")] public Dictionary<string, Dictionary<string, double>> Tasks { get; init; } = [];

    static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static string PathIn(string runDir) => Path.Combine(runDir, FileName);

    public void Write(string runDir) => AtomicFile.WriteAllText(PathIn(runDir), JsonSerializer.Serialize(this, Indented));

    /// <summary>The cell's result, or null when it has none (not finished, or not a sweep cell).</summary>
    public static CellResult? Read(string runDir)
    {
        string path = PathIn(runDir);
        if (!File.Exists(path)) return null;
        try { return JsonSerializer.Deserialize<CellResult>(File.ReadAllText(path)); }
        catch (JsonException e) { throw new UserErrorException($"{path}: unreadable ({e.Message.Split(". ")[0]}); delete it and rerun the cell to evaluate it again", e); }
    }
}
