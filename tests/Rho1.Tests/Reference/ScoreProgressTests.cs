// Who scores what under a launcher, and what a resume has left: pure range arithmetic, checked against a naive
// window-by-window model (every window scored exactly once, in whole batches of a single process's batching).
using Rho1.Reference;
using Range = Rho1.Reference.ScoreProgress.Range;

namespace Rho1.Tests.Reference;

public class ScoreProgressTests
{
    [Fact]
    public void Union_and_remaining_are_the_covered_and_uncovered_windows()
    {
        var union = ScoreProgress.Union([new Range(8, 12), new Range(0, 4), new Range(4, 6), new Range(10, 16), new Range(20, 20)]);
        Assert.Equal([new Range(0, 6), new Range(8, 16)], union);
        Assert.Equal([new Range(6, 8), new Range(16, 19)], ScoreProgress.Remaining(union, 19));
        Assert.Empty(ScoreProgress.Remaining([new Range(0, 19)], 19));
    }

    [Theory]
    [InlineData(103, 8, 1)]
    [InlineData(103, 8, 2)]
    [InlineData(103, 8, 3)]
    [InlineData(5, 4, 4)] // fewer batches than ranks: some get nothing
    [InlineData(64, 16, 2)]
    public void Shares_cover_what_is_left_once_in_whole_batches(long windows, int batch, int ranks)
    {
        // Done before: two batches and the first window ranges of an earlier run at another world size.
        var done = ScoreProgress.Union([new Range(0, Math.Min(windows, batch)), new Range(Math.Min(windows, 3L * batch), Math.Min(windows, 4L * batch))]);
        var left = ScoreProgress.Remaining(done, windows);
        var seen = new int[windows];
        foreach (var r in done) for (long w = r.Start; w < r.End; w++) seen[w]++;
        for (int rank = 0; rank < ranks; rank++)
            foreach (var r in ScoreProgress.Share(left, windows, batch, rank, ranks))
            {
                Assert.True(r.Start % batch == 0 && (r.End % batch == 0 || r.End == windows), $"rank {rank}: {r} is not batch-aligned");
                for (long w = r.Start; w < r.End; w++) seen[w]++;
            }
        Assert.All(seen, count => Assert.Equal(1, count));
    }

    [Fact]
    public void Ranks_get_contiguous_runs_of_nearly_equal_batch_counts()
    {
        var shares = Enumerable.Range(0, 3).Select(r => ScoreProgress.Share([new Range(0, 100)], 100, 10, r, 3)).ToList();
        Assert.Equal([new Range(0, 30)], shares[0]);
        Assert.Equal([new Range(30, 60)], shares[1]);
        Assert.Equal([new Range(60, 100)], shares[2]);
    }
}
