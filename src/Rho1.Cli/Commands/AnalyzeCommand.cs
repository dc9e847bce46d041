// `rho1 analyze`: the paper's token-dynamics analysis over a run's checkpoints.
using System.CommandLine;
using Rho1.Evaluation.Dynamics;

namespace Rho1.Cli.Commands;

public sealed class AnalyzeCommand
{
    readonly Option<string[]> _checkpoints = new("--checkpoints") { Description = "Two or more checkpoints, in training order.", Required = true, AllowMultipleArgumentsPerToken = true };
    readonly Option<string> _data = new("--data", "-d") { Description = "Prepared held-out dataset.", Required = true };
    readonly Option<string> _output = new("--out", "-o") { Description = "Directory for token-categories.{json,md,png}.", Required = true };
    readonly Option<string?> _split = new("--split") { Description = "val or train. [default: val, or the only split with tokens, as for eval]" };
    readonly Option<long> _maxTokens = new("--max-tokens") { Description = "Analyse at most this many tokens.", DefaultValueFactory = _ => 65536 };
    readonly Option<string> _device = GlobalOptions.Device();
    readonly Option<int?> _threads = GlobalOptions.Threads();

    public Command Create()
    {
        var command = new Command("analyze",
            "Classify held-out tokens by how their loss moves across checkpoints (H->H, L->H, H->L, L->L), as in the Rho-1 paper.\n\n" +
            "Examples:\n  rho1 analyze --checkpoints runs/base/checkpoints/step-* runs/base/final --data data/heldout --split train --out runs/analysis")
        {
            _checkpoints, _data, _output, _split, _maxTokens, _device, _threads,
        };
        command.SetAction(parse =>
        {
            var options = Options(parse) with { OnProgress = new PeriodicProgress("analyze", "windows").Report };
            Analyze.Run(options);
            var o = parse.InvocationConfiguration.Output;
            o.Write(File.ReadAllText(Path.Combine(options.OutDir, "token-categories.md")));
            o.WriteLine($"plot: {Path.Combine(options.OutDir, "token-categories.png")}");
            return ExitCodes.Success;
        });
        return command;
    }

    public AnalyzeOptions Options(ParseResult parse) =>
        new(parse.GetValue(_checkpoints)!, parse.GetValue(_data)!, parse.GetValue(_output)!, parse.GetValue(_split), parse.GetValue(_maxTokens),
            Device: parse.GetValue(_device)!);
}
