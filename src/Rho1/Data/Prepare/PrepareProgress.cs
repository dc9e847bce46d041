// A progress snapshot of `rho1 prepare`, reported after each batch of documents. The CLI turns it into a
// terminal progress line or periodic log lines; the library itself never writes to the console.

namespace Rho1.Data.Prepare;

/// <summary>Progress of <see cref="DatasetPreparer.Run"/>. Bytes are input bytes on disk (compressed for .gz).</summary>
/// <param name="Done">The last report, with the final counts: every document tokenized and written (input is read
/// ahead of tokenizing, so BytesRead reaches BytesTotal before the counts are final).</param>
public sealed record PrepareProgress(long BytesRead, long BytesTotal, long Documents, long Tokens, TimeSpan Elapsed, bool Done = false)
{
    /// <summary>Input bytes per second so far.</summary>
    public double BytesPerSecond => Elapsed.TotalSeconds > 0 ? BytesRead / Elapsed.TotalSeconds : 0;

    /// <summary>Estimated time left at the rate so far; null before there is a rate.</summary>
    public TimeSpan? Eta => BytesPerSecond > 0 ? TimeSpan.FromSeconds(Math.Max(0, BytesTotal - BytesRead) / BytesPerSecond) : null;
}
