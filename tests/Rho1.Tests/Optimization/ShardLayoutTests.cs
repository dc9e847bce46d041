// ZeRO-1's layout against closed forms: chunk sizes aligned to the norm block, buckets of N chunks, the owned ranges of
// each rank tiling the store exactly once, and the padding left out.
using Rho1.Optimization;

namespace Rho1.Tests.Optimization;

public class ShardLayoutTests
{
    [Theory]
    [InlineData(100L, 3, 40L, 4L)]
    [InlineData(7L, 4, 1000L, 1L)]
    [InlineData(1000L, 2, 1000L, 64L)]
    [InlineData(5L, 8, 16L, 1L)] // more ranks than values: some own nothing
    public void The_ranks_owned_ranges_tile_the_store_once(long length, int size, long bucket, long align)
    {
        var layouts = Enumerable.Range(0, size).Select(r => ShardLayout.Chunked(length, r, size, bucket, align)).ToList();
        var owner = new int[length];
        foreach (var layout in layouts)
        {
            Assert.Equal(0, layout.Chunk % align);
            Assert.Equal(layout.Chunk * size, layout.BucketValues);
            Assert.Equal(0, layout.Capacity % layout.BucketValues);
            Assert.True(layout.Capacity - length < layout.Buckets * size * align + layout.BucketValues / 2 + size, $"padding {layout.Capacity - length}");
            Assert.Equal(layout.Buckets * layout.Chunk, layout.LocalLength);
            foreach (var r in layout.Owned)
            {
                Assert.Equal(0, r.Start % align);
                Assert.Equal(r.LocalStart, (r.Start / layout.BucketValues) * layout.Chunk); // chunk b of this rank at b × Chunk locally
                for (long i = r.Start; i < r.Start + r.Length; i++) owner[i]++;
            }
        }
        Assert.All(owner, n => Assert.Equal(1, n));
    }

    [Fact]
    public void Chunks_are_a_whole_number_of_blocks_and_the_whole_store_is_one_range()
    {
        var layout = ShardLayout.Chunked(100, 1, 3, 40, 4); // 3 buckets of 3 chunks: ⌈100 / 9⌉ = 12 per chunk (a multiple of 4), capacity 108
        Assert.Equal((12L, 36L, 108L), (layout.Chunk, layout.BucketValues, layout.Capacity));
        Assert.Equal([new OwnedRange(12, 12, 0), new OwnedRange(48, 12, 12), new OwnedRange(84, 12, 24)], layout.Owned);
        var last = ShardLayout.Chunked(100, 2, 3, 40, 4);
        Assert.Equal(new OwnedRange(96, 4, 24), last.Owned[^1]); // the store's tail: 4 real values of a 12-value chunk
        var whole = ShardLayout.Whole(100);
        Assert.Equal([new OwnedRange(0, 100, 0)], whole.Owned);
        Assert.False(whole.Sharded);
    }
}
