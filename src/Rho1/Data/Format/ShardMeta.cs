// One shard's entry in meta.json: its file name, counts and payload checksum (hex SHA-256).
using System.Text.Json.Serialization;

namespace Rho1.Data.Format;

/// <summary>A shard file of one split, as listed in meta.json.</summary>
public sealed record ShardMeta(
    [property: JsonPropertyName("file")] string File,
    [property: JsonPropertyName("tokens")] long Tokens,
    [property: JsonPropertyName("documents")] long Documents,
    [property: JsonPropertyName("sha256")] string Sha256);
