// The contents of meta.json: what a prepared dataset holds and how it was made. Written last by `rho1 prepare`,
// so its presence means the dataset is complete. Field meanings are in docs/data-format.md.
using System.Text.Json.Serialization;

namespace Rho1.Data.Format;

/// <summary>meta.json of a prepared dataset.</summary>
public sealed record DatasetMeta
{
    [JsonPropertyName("format_version")] public required int FormatVersion { get; init; }
    /// <summary>Tokenizer id; <see cref="Tokenizers.TokenizerFactory.ForDataset"/> re-creates it.</summary>
    [JsonPropertyName("tokenizer")] public required string Tokenizer { get; init; }
    [JsonPropertyName("vocab_size")] public required int VocabSize { get; init; }
    /// <summary>The id written after every document.</summary>
    [JsonPropertyName("eos_id")] public required int EosId { get; init; }
    /// <summary>The id written before every document (the model's tokenizer adds one, or --bos named it); null: none.</summary>
    [JsonPropertyName("bos_id"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public int? BosId { get; init; }
    /// <summary>Bytes per stored token: 2 (uint16) or 4 (uint32).</summary>
    [JsonPropertyName("token_bytes")] public required int TokenBytes { get; init; }
    [JsonPropertyName("seed")] public required long Seed { get; init; }
    [JsonPropertyName("val_fraction")] public required double ValFraction { get; init; }
    /// <summary>UTC time the dataset was completed, ISO 8601.</summary>
    [JsonPropertyName("created")] public required string Created { get; init; }
    /// <summary>SHA-256 (hex) over every shard's split, file name and checksum; identifies the token content.</summary>
    [JsonPropertyName("fingerprint")] public required string Fingerprint { get; init; }
    /// <summary>Invalid UTF-8 sequences in the input that were replaced by U+FFFD.</summary>
    [JsonPropertyName("invalid_utf8_replaced")] public long InvalidUtf8Replaced { get; init; }
    /// <summary>Null documents in the input (a JSON null, a Parquet null) that were skipped.</summary>
    [JsonPropertyName("null_documents_skipped"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] public long NullDocumentsSkipped { get; init; }
    /// <summary>The slice of the input this dataset holds, when prepared with --part I/N; null for a whole input (or a merge of parts).</summary>
    [JsonPropertyName("part"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public PartMeta? Part { get; init; }
    /// <summary>A merge of this many parts (rho1 merge-datasets); 0 otherwise.</summary>
    [JsonPropertyName("merged_parts"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] public int MergedParts { get; init; }
    /// <summary>"train" and "val", in that order.</summary>
    [JsonPropertyName("splits")] public required IReadOnlyDictionary<string, SplitMeta> Splits { get; init; }
}
