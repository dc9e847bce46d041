// One split's entry in meta.json: totals and its shards in reading order.
using System.Text.Json.Serialization;

namespace Rho1.Data.Format;

/// <summary>
/// A split (train or val). <see cref="SourceBytes"/> is the UTF-8 size of its documents' text (EOS excluded),
/// the denominator of bits-per-byte.
/// </summary>
public sealed record SplitMeta(
    [property: JsonPropertyName("tokens")] long Tokens,
    [property: JsonPropertyName("documents")] long Documents,
    [property: JsonPropertyName("source_bytes")] long SourceBytes,
    [property: JsonPropertyName("shards")] IReadOnlyList<ShardMeta> Shards);
