// A dataset whose bytes no longer match their checksums: a runtime failure (exit 1), not bad usage, because
// the files were valid when written and something damaged them since.

namespace Rho1.Data.Reading;

/// <summary>Thrown by <see cref="TokenDataset.Verify"/> when a shard's payload does not match its SHA-256.</summary>
public sealed class DataCorruptException(string shardPath, string message) : Exception(message)
{
    /// <summary>Full path of the damaged shard file.</summary>
    public string ShardPath { get; } = shardPath;
}
