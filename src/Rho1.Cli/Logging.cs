// Serilog set-up for the CLI: human-readable lines on stderr (stdout stays clean for --json), level chosen by
// --quiet / --verbose. Commands that write a run directory add a file sink there through the library.
using Serilog;
using Serilog.Core;
using Serilog.Events;
using Serilog.Formatting;
using Serilog.Formatting.Display;

namespace Rho1.Cli;

public static class Logging
{
    const string Template = "{Timestamp:HH:mm:ss} {Level:u3} {Message:lj}{NewLine}{Exception}";

    public static void Configure(bool verbose, bool quiet)
    {
        var level = verbose ? LogEventLevel.Debug : quiet ? LogEventLevel.Warning : LogEventLevel.Information;
        Log.Logger = new LoggerConfiguration()
            .MinimumLevel.Is(level)
            .WriteTo.Sink(new AboveProgressBar(Console.Error, new MessageTemplateTextFormatter(Template)))
            .CreateLogger();
    }

    /// <summary>Log lines on stderr, written above the progress bar when one is drawn (ProgressBar.WriteAbove).</summary>
    public sealed class AboveProgressBar(TextWriter error, ITextFormatter format) : ILogEventSink
    {
        public void Emit(LogEvent logEvent)
        {
            var line = new StringWriter();
            format.Format(logEvent, line);
            ProgressBar.WriteAbove(error, line.ToString());
        }
    }
}
