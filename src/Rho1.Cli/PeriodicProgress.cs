// Progress of a long verb (score, eval, analyze): the bar when stderr is a terminal, otherwise a log line at
// most every 30 seconds (done/total, rate, ETA), so that a redirected run is never silent for long.
using System.Diagnostics;
using System.Globalization;

namespace Rho1.Cli;

/// <param name="what">The verb, e.g. "score".</param>
/// <param name="unit">What is counted, e.g. "windows".</param>
/// <param name="log">Where redirected lines go (Serilog's information log by default).</param>
public sealed class PeriodicProgress(string what, string unit, TextWriter? error = null, bool? terminal = null, Action<string>? log = null, TimeSpan? every = null)
{
    readonly ProgressBar _bar = new(error, terminal);
    readonly Stopwatch _clock = Stopwatch.StartNew();
    readonly Action<string> _log = log ?? (line => Serilog.Log.Information("{Line}", line));
    readonly TimeSpan _every = every ?? TimeSpan.FromSeconds(30);
    TimeSpan? _lastLine; // null: nothing logged yet, so the first report is

    public void Report(long done, long total)
    {
        double fraction = total > 0 ? (double)done / total : 1;
        double seconds = _clock.Elapsed.TotalSeconds, rate = done / Math.Max(seconds, 1e-9);
        string eta = ProgressBar.Format(TimeSpan.FromSeconds(rate > 0 ? (total - done) / rate : 0));
        if (_bar.Enabled)
        {
            _bar.Draw(fraction, string.Create(CultureInfo.InvariantCulture, $"{done:N0}/{total:N0} {unit} {rate:N0}/s ETA {eta}"), force: done >= total);
            return;
        }
        if (done < total && _lastLine is { } last && _clock.Elapsed - last < _every)
            return;
        _lastLine = _clock.Elapsed;
        _log(string.Create(CultureInfo.InvariantCulture, $"{what}: {done:N0}/{total:N0} {unit} ({fraction * 100:0.0}%), {rate:N0} {unit}/s, ETA {eta}"));
    }
}
