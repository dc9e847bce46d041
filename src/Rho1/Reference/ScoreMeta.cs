// meta.json of a score directory: what the per-token reference losses were computed from, so training can
// refuse scores made for another dataset, tokenizer or window length.
using System.Text.Json.Serialization;

namespace Rho1.Reference;

public sealed record ScoreMeta
{
    [JsonPropertyName("format_version")] public int FormatVersion { get; init; } = 1;
    [JsonPropertyName("dataset_fingerprint")] public string DatasetFingerprint { get; init; } = "";
    [JsonPropertyName("split")] public string Split { get; init; } = "train";
    [JsonPropertyName("seq_len")] public int SeqLen { get; init; }
    [JsonPropertyName("tokens")] public long Tokens { get; init; }
    [JsonPropertyName("windows")] public long Windows { get; init; }
    [JsonPropertyName("tokenizer")] public string Tokenizer { get; init; } = "";
    [JsonPropertyName("vocab_size")] public int VocabSize { get; init; }
    [JsonPropertyName("reference")] public string Reference { get; init; } = "";
    [JsonPropertyName("precision")] public string Precision { get; init; } = "fp32";
    [JsonPropertyName("mean_loss")] public double MeanLoss { get; init; }
    [JsonPropertyName("sha256")] public string Sha256 { get; init; } = "";
}
