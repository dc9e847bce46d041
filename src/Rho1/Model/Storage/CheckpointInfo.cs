// What reading a model out of a checkpoint needs from its state.json: the model shape, the window length and
// precision it was trained with, and the tokenizer identity. A read-only view: the trainer writes the whole
// state (Training/Runs/TrainerState), and the keys here are a subset of it.
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Rho1.Model.Storage;

public sealed record CheckpointInfo
{
    [JsonPropertyName("step")] public int Step { get; init; }
    [JsonPropertyName("config")] public ConfigPart Config { get; init; } = new();
    [JsonPropertyName("tokenizer")] public string Tokenizer { get; init; } = "";
    [JsonPropertyName("vocab_size")] public int VocabSize { get; init; }
    [JsonPropertyName("eos_id")] public int EosId { get; init; }
    /// <summary>Where the training data was (absolute), so `sample` can find a file-based tokenizer.</summary>
    [JsonPropertyName("data_dir")] public string DataDir { get; init; } = "";

    /// <summary>A Hugging Face directory holding the model's own tokenizer files (tokenizer.json, tokenizer.model or vocab.json); null for a checkpoint.</summary>
    [JsonIgnore] public string? TokenizerDirectory { get; init; }

    public int SeqLen => Config.Train.SeqLen;
    public string Precision => Config.Train.Precision;

    public sealed record ConfigPart
    {
        [JsonPropertyName("model")] public ModelConfig Model { get; init; } = new();
        [JsonPropertyName("train")] public TrainPart Train { get; init; } = new();
    }

    public sealed record TrainPart
    {
        [JsonPropertyName("seq_len")] public int SeqLen { get; init; }
        [JsonPropertyName("precision")] public string Precision { get; init; } = "fp32";
        [JsonPropertyName("seed")] public long Seed { get; init; }
        /// <summary>Peak learning rate and the share of it the schedule ended on (0 when the checkpoint does not say: a Hugging Face directory).</summary>
        [JsonPropertyName("lr")] public double Lr { get; init; }
        [JsonPropertyName("min_lr_ratio")] public double MinLrRatio { get; init; }
    }

    /// <summary>Parses state.json text; <paramref name="dir"/> names the checkpoint in errors.</summary>
    public static CheckpointInfo Parse(string stateJson, string dir)
    {
        try
        {
            return JsonSerializer.Deserialize<CheckpointInfo>(stateJson) ?? throw new UserErrorException($"checkpoint {dir}: empty {CheckpointFiles.StateFile}");
        }
        catch (JsonException e)
        {
            throw new UserErrorException($"checkpoint {dir}: {CheckpointFiles.StateFile} is not valid ({e.Message})", e);
        }
    }
}
