// Builds the command tree, parses, runs the chosen verb and maps failures to exit codes and one-line errors.
// Verbs live in Commands/, one file each: options plus an action that calls the library.
using System.CommandLine;
using System.Text.RegularExpressions;
using Rho1.Cli.Commands;
using Rho1.Distributed;
using Rho1.Platform;
using Serilog;

namespace Rho1.Cli;

public static class CliApp
{
    public static RootCommand BuildRoot()
    {
        var root = new RootCommand(
            "rho1: selective language modeling (Rho-1). Train a reference model on clean text, score tokens by " +
            "excess loss, and train only on the tokens that matter.\n\nArguments can also come from a response file: rho1 @args.rsp");
        root.Options.Add(GlobalOptions.Verbose);
        root.Options.Add(GlobalOptions.Quiet);
        foreach (var verb in new[]
        {
            new QuickstartCommand().Create(), new InfoCommand().Create(), new PrepareCommand().Create(), new MergeDatasetsCommand().Create(), new InspectCommand().Create(),
            new TrainRefCommand().Create(), new ScoreCommand().Create(), new TrainCommand().Create(), new SweepCommand().Create(), new PlanCommand().Create(),
            new AnalyzeCommand().Create(), new EvalCommand().Create(), new SampleCommand().Create(), new ExportCommand().Create(),
            new BenchSelectionCommand().Create(), new BenchStepCommand().Create(), new BenchOptimizerCommand().Create(),
        })
            root.Subcommands.Add(verb);
        return root;
    }

    /// <summary>A parse error without CLR type names ("System.Nullable`1[System.Double]") or a trailing period.</summary>
    static string Plain(string message) =>
        Regex.Replace(Regex.Replace(message, @"\s*\r?\n\s*", " "), @" as expected type '([^']+)'", m => m.Groups[1].Value switch
        {
            var t when t.Contains("Double", StringComparison.Ordinal) || t.Contains("Single", StringComparison.Ordinal) => " as a number",
            var t when t.Contains("Int32", StringComparison.Ordinal) || t.Contains("Int64", StringComparison.Ordinal) => " as an integer",
            _ => m.Value,
        }).TrimEnd('.'); // one line: some parse errors (a value not among the allowed ones) span several

    /// <summary>Runs rho1 with <paramref name="args"/>; returns the process exit code.</summary>
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        var root = BuildRoot();
        var parse = root.Parse(args);
        bool verbose = parse.GetValue(GlobalOptions.Verbose);
        LaunchEnvironment launch;
        try
        {
            launch = LaunchEnvironment.FromProcess();
        }
        catch (UserErrorException e)
        {
            stderr.WriteLine($"rho1: error: launcher environment: {e.Message}");
            return ExitCodes.BadInput;
        }
        // Ranks other than 0 print only warnings and errors: one copy of the progress, from rank 0.
        Logging.Configure(verbose, parse.GetValue(GlobalOptions.Quiet) || launch.Rank > 0);
        if (launch.Rank > 0) stdout = TextWriter.Null;
        if (parse.Errors.Count > 0)
        {
            // The most specific message first: "Unrecognized command" beats "Required command was not provided".
            var messages = parse.Errors.Select(e => Plain(e.Message)).Distinct()
                .OrderBy(m => m.StartsWith("Required command", StringComparison.Ordinal) ? 1 : 0);
            stderr.WriteLine($"rho1: error: {string.Join("; ", messages)} (try 'rho1 --help')");
            return ExitCodes.BadInput;
        }
        using var interrupt = new InterruptSignals();
        using var job = Job.Current = new Job(launch);
        try
        {
            job.RequireSupported(parse.CommandResult.Command.Name);
            NativeAllocator.Configure(); // before libtorch allocates: see docs/performance.md, "Memory and gradient accumulation"
            // The compute verbs take --threads (GlobalOptions.Threads); prepare's --threads is its tokenizer's, an Option<int>.
            if (parse.CommandResult.Command.Options.OfType<Option<int?>>().FirstOrDefault(o => o.Name == "--threads") is { } threads)
                ComputeThreads.Apply(parse.GetValue(threads), launch.LocalSize);
            // Our own signal handling, not System.CommandLine's: that one kills the process 2 s after Ctrl-C, too soon
            // for a training step and a checkpoint to finish.
            var configuration = new InvocationConfiguration { Output = stdout, Error = stderr, EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = null };
            return parse.InvokeAsync(configuration, interrupt.Token).GetAwaiter().GetResult();
        }
        catch (UserErrorException e)
        {
            ProgressBar.FinishActive();
            stderr.WriteLine($"rho1: error: {e.Message}");
            if (verbose) stderr.WriteLine(e);
            job.AbortOthers(ExitCodes.BadInput);
            return ExitCodes.BadInput;
        }
        catch (UnauthorizedAccessException e)
        {
            // A path the user may not write (an --out under a read-only folder) is bad input, not a failure of the run.
            ProgressBar.FinishActive();
            stderr.WriteLine($"rho1: error: permission denied: {e.Message}");
            if (verbose) stderr.WriteLine(e);
            job.AbortOthers(ExitCodes.BadInput);
            return ExitCodes.BadInput;
        }
        catch (InterruptedException e)
        {
            ProgressBar.FinishActive();
            stderr.WriteLine($"rho1: {e.Message}"); // no abort: rank 0 may still be writing its checkpoint
            return ExitCodes.Interrupted;
        }
        catch (OperationCanceledException)
        {
            ProgressBar.FinishActive();
            stderr.WriteLine("rho1: interrupted");
            return ExitCodes.Interrupted;
        }
        catch (Exception e)
        {
            ProgressBar.FinishActive();
            stderr.WriteLine($"rho1: failed: {e.GetType().Name}: {e.Message}{(verbose ? "" : " (run with --verbose for details)")}");
            if (verbose) stderr.WriteLine(e);
            job.AbortOthers(ExitCodes.Failure);
            return ExitCodes.Failure;
        }
        finally
        {
            Log.CloseAndFlush();
        }
    }
}
