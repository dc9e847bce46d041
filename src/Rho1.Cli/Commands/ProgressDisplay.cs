// Shows prepare's progress: the CLI's progress bar when stderr is a terminal, otherwise a Serilog line every
// 10 seconds (logs and CI output stay readable). Stdout is never touched.
using Rho1.Data.Prepare;
using Serilog;

namespace Rho1.Cli.Commands;

public sealed class ProgressDisplay(TextWriter error, bool? terminal = null) : IProgress<PrepareProgress>, IDisposable
{
    readonly ProgressBar _bar = new(error, terminal);
    TimeSpan? _lastLog;

    public void Report(PrepareProgress p)
    {
        string eta = p.Eta is { } e ? ProgressBar.Format(e) : "?";
        // Input is read ahead of tokenizing: 100% is the final report's alone, whose counts are the dataset's.
        double fraction = p.Done ? 1 : p.BytesTotal > 0 ? Math.Min(0.999, (double)p.BytesRead / p.BytesTotal) : 0;
        if (_bar.Enabled)
        {
            _bar.Draw(fraction, $"{p.BytesRead / 1e6:F1}/{p.BytesTotal / 1e6:F1} MB {p.BytesPerSecond / 1e6:F2} MB/s " +
                $"{p.Documents:N0} docs {p.Tokens:N0} tokens{(p.Done ? "" : $" ETA {eta}")}", force: p.Done);
            return;
        }
        if (!p.Done && _lastLog is { } last && p.Elapsed - last < TimeSpan.FromSeconds(10))
            return;
        _lastLog = p.Elapsed;
        Log.Information("prepare {Percent:F1}%: {Read:F1}/{Total:F1} MB at {Rate:F2} MB/s, {Documents} documents, {Tokens} tokens, ETA {Eta}",
            fraction * 100, p.BytesRead / 1e6, p.BytesTotal / 1e6, p.BytesPerSecond / 1e6, p.Documents, p.Tokens, eta);
    }

    /// <summary>Ends the progress line so that later output starts on a fresh line.</summary>
    public void Finish() => _bar.Finish();

    public void Dispose() => Finish();
}
