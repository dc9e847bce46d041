// The one progress renderer of the CLI: a line on stderr redrawn in place, for interactive terminals, at most
// 10 times a second. When stderr is redirected it draws nothing; the library's periodic log lines stand in for it.
// Log lines go above the bar (WriteAbove: clear the bar's line, write, redraw it), as tqdm's write does, so that a
// log line never lands in the middle of the bar's text.
using System.Diagnostics;

namespace Rho1.Cli;

/// <param name="error">Where to draw; Console.Error by default.</param>
/// <param name="terminal">Whether that is an interactive terminal; by default, whether stderr is not redirected.</param>
public sealed class ProgressBar(TextWriter? error = null, bool? terminal = null)
{
    readonly TextWriter _error = error ?? Console.Error;
    readonly Stopwatch _sinceDraw = Stopwatch.StartNew();
    string _last = "";
    static ProgressBar? _active; // the bar with an unterminated line, if any
    static readonly object Sync = new(); // the bar and the log lines share one line of one terminal

    /// <summary>Writes <paramref name="text"/> (whole lines) to <paramref name="error"/> above the drawn bar, if one is drawn there.</summary>
    public static void WriteAbove(TextWriter error, string text)
    {
        lock (Sync)
        {
            var bar = _active is { _last.Length: > 0 } active && ReferenceEquals(active._error, error) ? active : null;
            if (bar != null) error.Write("\r" + new string(' ', bar._last.Length - 1) + "\r");
            error.Write(text);
            if (bar != null) error.Write(bar._last);
            error.Flush();
        }
    }

    /// <summary>Ends whatever progress line is drawn, so that an error or interruption message starts on its own line.</summary>
    public static void FinishActive() => _active?.Finish();

    /// <summary>Whether this bar draws at all (stderr is a terminal).</summary>
    public bool Enabled { get; } = terminal ?? !Console.IsErrorRedirected;

    public void Draw(double fraction, string text, bool force = false)
    {
        if (!Enabled || (!force && _last.Length > 0 && _sinceDraw.ElapsedMilliseconds < 100)) return;
        _sinceDraw.Restart();
        const int width = 24;
        int filled = (int)Math.Round(Math.Clamp(fraction, 0, 1) * width);
        string line = $"\r[{new string('#', filled)}{new string('.', width - filled)}] {fraction * 100,5:F1}% {text}";
        lock (Sync)
        {
            _error.Write(line.PadRight(_last.Length));
            _error.Flush();
            _last = line;
            _active = this;
        }
        if (fraction >= 1) Finish();
    }

    /// <summary>Ends the drawn line, so that later output starts on a fresh one.</summary>
    public void Finish()
    {
        lock (Sync)
        {
            if (!Enabled || _last.Length == 0) return;
            _error.WriteLine();
            _last = "";
            if (_active == this) _active = null;
        }
    }

    /// <summary>h:mm:ss from an hour up, mm:ss below.</summary>
    public static string Format(TimeSpan t) => Rho1.Training.StepProgress.Format(t);
}
