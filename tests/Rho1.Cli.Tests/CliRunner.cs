// Runs the CLI in-process and captures its exit code and output.

namespace Rho1.Cli.Tests;

public sealed record CliResult(int ExitCode, string Stdout, string Stderr);

public static class CliRunner
{
    static readonly object Gate = new(); // Serilog's static logger and Console are process-wide

    public static CliResult Run(params string[] args)
    {
        lock (Gate)
        {
            var stdout = new StringWriter();
            var stderr = new StringWriter();
            var oldErr = Console.Error;
            Console.SetError(stderr);
            try
            {
                int code = CliApp.Run(args, stdout, stderr);
                return new CliResult(code, stdout.ToString(), stderr.ToString());
            }
            finally
            {
                Console.SetError(oldErr);
            }
        }
    }
}
