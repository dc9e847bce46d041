// Serilog set-up for the CLI: human-readable lines on stderr (stdout stays clean for --json), level chosen by
// --quiet / --verbose. Commands that write a run directory add a file sink there through the library.
using Serilog;
using Serilog.Events;

namespace Rho1.Cli;

public static class Logging
{
    public static void Configure(bool verbose, bool quiet)
    {
        var level = verbose ? LogEventLevel.Debug : quiet ? LogEventLevel.Warning : LogEventLevel.Information;
        Log.Logger = new LoggerConfiguration()
            .MinimumLevel.Is(level)
            .WriteTo.Console(outputTemplate: "{Timestamp:HH:mm:ss} {Level:u3} {Message:lj}{NewLine}{Exception}",
                standardErrorFromLevel: LogEventLevel.Verbose)
            .CreateLogger();
    }
}
