// `rho1 analyze`: the paper's token-dynamics analysis over a run's checkpoints.
using System.CommandLine;
using Rho1.Evaluation.Dynamics;

namespace Rho1.Cli.Commands;

public static class AnalyzeCommand
{
    public static Command Create()
    {
        var checkpoints = new Option<string[]>("--checkpoints") { Description = "Two or more checkpoints, in training order.", Required = true, AllowMultipleArgumentsPerToken = true };
        var data = new Option<string>("--data", "-d") { Description = "Prepared held-out dataset.", Required = true };
        var output = new Option<string>("--out", "-o") { Description = "Directory for token-categories.{json,md,png}.", Required = true };
        var split = new Option<string>("--split") { Description = "Split to analyse.", DefaultValueFactory = _ => "val" };
        var maxTokens = new Option<long>("--max-tokens") { Description = "Analyse at most this many tokens.", DefaultValueFactory = _ => 65536 };
        var device = GlobalOptions.Device();
        var command = new Command("analyze",
            "Classify held-out tokens by how their loss moves across checkpoints (H->H, L->H, H->L, L->L), as in the Rho-1 paper.\n\n" +
            "Examples:\n  rho1 analyze --checkpoints runs/base/checkpoints/step-* runs/base/final --data data/heldout --split train --out runs/analysis")
        {
            checkpoints, data, output, split, maxTokens, device,
        };
        command.SetAction(parse =>
        {
            var r = Analyze.Run(parse.GetValue(checkpoints)!, parse.GetValue(data)!, parse.GetValue(output)!, parse.GetValue(split)!, parse.GetValue(maxTokens),
                device: parse.GetValue(device)!);
            var o = parse.InvocationConfiguration.Output;
            o.Write(File.ReadAllText(Path.Combine(parse.GetValue(output)!, "token-categories.md")));
            o.WriteLine($"plot: {Path.Combine(parse.GetValue(output)!, "token-categories.png")}");
            return ExitCodes.Success;
        });
        return command;
    }
}
