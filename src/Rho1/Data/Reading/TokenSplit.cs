// One split of a prepared dataset as a single array of token ids, stitched across its memory-mapped shards.
// It is not a sampler: WindowSampler decides which ranges to read.
using Rho1.Data.Format;
using Rho1.Data.Sampling;

namespace Rho1.Data.Reading;

/// <summary>The tokens of one split (train or val), read as int64. Thread-safe for reading.</summary>
public sealed class TokenSplit
{
    readonly ShardView[] _shards;
    readonly long[] _starts; // _starts[i] = index of shard i's first token in the split

    internal TokenSplit(string name, SplitMeta meta, ShardView[] shards)
    {
        Name = name;
        Meta = meta;
        _shards = shards;
        _starts = new long[shards.Length];
        for (int i = 1; i < shards.Length; i++)
            _starts[i] = _starts[i - 1] + shards[i - 1].Meta.Tokens;
        Length = shards.Sum(s => s.Meta.Tokens);
    }

    /// <summary>"train" or "val".</summary>
    public string Name { get; }

    /// <summary>Counts from meta.json (documents, source bytes, shards).</summary>
    public SplitMeta Meta { get; }

    /// <summary>Total tokens over all shards, EOS ids included.</summary>
    public long Length { get; }

    /// <summary>Copies tokens [<paramref name="start"/>, start + destination.Length) into <paramref name="destination"/>.</summary>
    public void Read(long start, Span<long> destination)
    {
        if (start < 0 || start > Length - destination.Length)
            throw new ArgumentOutOfRangeException(nameof(start), start,
                $"reading {destination.Length} tokens from {start} overruns split {Name} of {Length} tokens");
        int shard = Array.BinarySearch(_starts, start);
        if (shard < 0)
            shard = ~shard - 1;
        while (!destination.IsEmpty)
        {
            // Zero-token shards are never written, so every step makes progress.
            long local = start - _starts[shard];
            int n = (int)Math.Min(destination.Length, _shards[shard].Meta.Tokens - local);
            _shards[shard].Read(local, destination[..n]);
            destination = destination[n..];
            start += n;
            shard++;
        }
    }
}
