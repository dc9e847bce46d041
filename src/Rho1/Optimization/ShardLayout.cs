// Which values of the flat store (FlatStore) this rank updates. Unsharded: all of them, as one range. ZeRO-1
// (train.zero=1): the store is cut into buckets of N equal chunks (the last bucket padded), and rank r owns chunk r of
// every bucket, so a bucket is one reduce-scatter and one all-gather. Chunks start at multiples of the norm block, so the
// clipping norm's block sums are the same blocks on any number of ranks (N ranks = one process, to the bit).
namespace Rho1.Optimization;

/// <summary>Values [Start, Start + Length) of the store, at LocalStart in this rank's buffers (moments, gradient chunks).</summary>
public readonly record struct OwnedRange(long Start, long Length, long LocalStart);

public sealed class ShardLayout
{
    /// <summary>Real values in the store (P).</summary>
    public long Length { get; }
    /// <summary>The store's length padded to whole buckets (P when unsharded).</summary>
    public long Capacity { get; }
    /// <summary>Values per bucket (N × Chunk), the unit of one reduce-scatter and all-gather.</summary>
    public long BucketValues { get; }
    /// <summary>Values of a bucket each rank owns.</summary>
    public long Chunk { get; }
    public int Rank { get; }
    public int Size { get; }
    public bool Sharded { get; }
    /// <summary>This rank's ranges, in store order; those that lie wholly in the padding are left out.</summary>
    public IReadOnlyList<OwnedRange> Owned { get; }
    /// <summary>Length of this rank's buffers: Chunk per bucket (P when unsharded).</summary>
    public long LocalLength { get; }
    public int Buckets => (int)(Capacity / BucketValues);

    ShardLayout(long length, long capacity, long bucket, long chunk, int rank, int size, bool sharded)
    {
        (Length, Capacity, BucketValues, Chunk, Rank, Size, Sharded) = (length, capacity, bucket, chunk, rank, size, sharded);
        var owned = new List<OwnedRange>();
        for (int b = 0; b < Buckets; b++)
        {
            long start = b * bucket + rank * chunk;
            long real = Math.Clamp(length - start, 0, chunk);
            if (real > 0) owned.Add(new OwnedRange(start, real, b * chunk));
        }
        Owned = owned;
        LocalLength = Buckets * chunk;
    }

    /// <summary>Every value on this rank: one range, no padding.</summary>
    public static ShardLayout Whole(long length) => new(length, Math.Max(length, 1), Math.Max(length, 1), Math.Max(length, 1), 0, 1, false);

    /// <summary>
    /// Rank <paramref name="rank"/> of <paramref name="size"/>'s chunks of buckets of at most about <paramref name="bucketValues"/>
    /// values (⌈P / bucketValues⌉ buckets, the values spread evenly), each chunk a whole number of <paramref name="align"/> values.
    /// </summary>
    public static ShardLayout Chunked(long length, int rank, int size, long bucketValues, long align)
    {
        if (size < 1 || rank < 0 || rank >= size) throw new ArgumentOutOfRangeException(nameof(rank), $"rank {rank} of {size}");
        if (bucketValues < 1 || align < 1) throw new ArgumentOutOfRangeException(nameof(bucketValues), "buckets and alignment hold at least one value");
        // As many buckets as bucketValues asks for, then the values spread evenly over them: the padding is at most an
        // alignment's worth per chunk, not most of a bucket.
        long buckets = Math.Max(1, (length + bucketValues - 1) / bucketValues);
        long perRank = Math.Max(1, (length + buckets * size - 1) / (buckets * size));
        long chunk = (perRank + align - 1) / align * align;
        long bucket = chunk * size;
        long capacity = Math.Max(1, (length + bucket - 1) / bucket) * bucket;
        return new ShardLayout(length, capacity, bucket, chunk, rank, size, true);
    }
}
