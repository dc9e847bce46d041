// A one-line progress bar on stderr for interactive terminals: redrawn in place at most 10 times a second.
// When stderr is redirected it draws nothing; the library's periodic log lines stand in for it.
using System.Diagnostics;

namespace Rho1.Cli;

public sealed class ProgressBar
{
    readonly Stopwatch _sinceDraw = Stopwatch.StartNew();
    readonly bool _enabled = !Console.IsErrorRedirected;
    string _last = "";

    public void Draw(double fraction, string text, bool force = false)
    {
        if (!_enabled || (!force && _sinceDraw.ElapsedMilliseconds < 100)) return;
        _sinceDraw.Restart();
        const int width = 24;
        int filled = (int)Math.Round(Math.Clamp(fraction, 0, 1) * width);
        string line = $"\r[{new string('#', filled)}{new string('.', width - filled)}] {fraction * 100,5:F1}% {text}";
        Console.Error.Write(line.PadRight(_last.Length));
        _last = line;
        if (fraction >= 1) Finish();
    }

    public void Finish()
    {
        if (!_enabled || _last.Length == 0) return;
        Console.Error.WriteLine();
        _last = "";
    }

    public static string Format(TimeSpan t) => t.TotalHours >= 1 ? $"{(int)t.TotalHours}:{t.Minutes:D2}:{t.Seconds:D2}" : $"{t.Minutes:D2}:{t.Seconds:D2}";
}
