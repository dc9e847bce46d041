// Shows prepare's progress: a self-overwriting line on stderr when stderr is a terminal, otherwise a Serilog
// line every 10 seconds (logs and CI output stay readable). Stdout is never touched.
using Rho1.Data;
using Serilog;

namespace Rho1.Cli.Commands;

public sealed class ProgressDisplay(TextWriter error) : IProgress<PrepareProgress>, IDisposable
{
    readonly bool _terminal = !Console.IsErrorRedirected;
    TimeSpan? _last;
    bool _lineOpen;

    public void Report(PrepareProgress p)
    {
        var interval = _terminal ? TimeSpan.FromMilliseconds(250) : TimeSpan.FromSeconds(10);
        if (_last is { } last && p.Elapsed - last < interval)
            return;
        _last = p.Elapsed;
        string eta = p.Eta is { } e ? $"{(int)e.TotalMinutes}:{e.Seconds:D2}" : "?";
        double percent = p.BytesTotal > 0 ? 100.0 * p.BytesRead / p.BytesTotal : 100;
        if (_terminal)
        {
            error.Write($"\r{percent,5:F1}%  {p.BytesRead / 1e6:F1}/{p.BytesTotal / 1e6:F1} MB  {p.BytesPerSecond / 1e6:F2} MB/s  " +
                $"{p.Documents:N0} docs  {p.Tokens:N0} tokens  ETA {eta}   ");
            _lineOpen = true;
        }
        else
        {
            Log.Information("prepare {Percent:F1}%: {Read:F1}/{Total:F1} MB at {Rate:F2} MB/s, {Documents} documents, {Tokens} tokens, ETA {Eta}",
                percent, p.BytesRead / 1e6, p.BytesTotal / 1e6, p.BytesPerSecond / 1e6, p.Documents, p.Tokens, eta);
        }
    }

    /// <summary>Ends the progress line so that later output starts on a fresh line.</summary>
    public void Finish()
    {
        if (_lineOpen)
            error.WriteLine();
        _lineOpen = false;
    }

    public void Dispose() => Finish();
}
