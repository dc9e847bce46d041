// Everything besides tensors that a checkpoint must hold to continue a run exactly: position in the
// schedule and the data, selection state, and the identity of config, tokenizer and dataset.
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Rho1.Training.Configuration;

namespace Rho1.Training.Runs;

public sealed record TrainerState
{
    [JsonPropertyName("format")] public int Format { get; init; } = 1;
    /// <summary>Optimizer steps completed.</summary>
    [JsonPropertyName("step")] public int Step { get; init; }
    [JsonPropertyName("tokens_seen")] public long TokensSeen { get; init; }
    [JsonPropertyName("sampler_epoch")] public long SamplerEpoch { get; init; }
    [JsonPropertyName("sampler_position")] public long SamplerPosition { get; init; }
    [JsonPropertyName("optimizer_step")] public long OptimizerStep { get; init; }
    [JsonPropertyName("objective")] public JsonNode? Objective { get; init; }
    [JsonPropertyName("config")] public RunConfig Config { get; init; } = new();
    [JsonPropertyName("tokenizer")] public string Tokenizer { get; init; } = "";
    [JsonPropertyName("vocab_size")] public int VocabSize { get; init; }
    [JsonPropertyName("eos_id")] public int EosId { get; init; }
    [JsonPropertyName("dataset_fingerprint")] public string DatasetFingerprint { get; init; } = "";
    /// <summary>Where the training data was (absolute), so `sample` can find a file-based tokenizer.</summary>
    [JsonPropertyName("data_dir")] public string DataDir { get; init; } = "";
    [JsonPropertyName("wall_seconds")] public double WallSeconds { get; init; }
    /// <summary>What the objective was (kind, ratio, reference), to refuse a resume against another reference; null in older checkpoints.</summary>
    [JsonPropertyName("objective_description")] public JsonObject? ObjectiveDescription { get; init; }
    /// <summary>The model the run started from (--init), absolute; null when it started from random weights.</summary>
    [JsonPropertyName("init_from")] public string? InitFrom { get; init; }
    /// <summary>Settings changed on earlier resumes, oldest first.</summary>
    [JsonPropertyName("config_changes")] public List<ConfigChange> ConfigChanges { get; init; } = [];
}
