// `rho1 train`: selective language modelling (Rho-1) on the shared training engine. The reference comes
// online from a checkpoint (--ref) or offline from `rho1 score` output (--ref-scores).
using System.CommandLine;
using Rho1.Training;
using Rho1.Training.Configuration;
using Rho1.Training.Objectives;

namespace Rho1.Cli.Commands;

public sealed class TrainCommand
{
    readonly TrainingArguments _args = new();
    readonly SelectionArguments _selection = new();

    public Command Create()
    {
        var command = new Command("train",
            "Train with selective language modelling: backpropagate only the top-k% tokens by excess loss.\n\n" +
            "Examples:\n  rho1 train --config tiny --data data/noisy --ref-scores runs/scores --ratio 0.6 --out runs/slm60\n" +
            "  rho1 train --config tiny --data data/noisy --ref runs/ref --ratio 0.6 --select sequence --out runs/slm60-seq\n" +
            "  rho1 train --config tiny --data data/noisy --ratio 0.6 --score random --out runs/random60");
        _args.AddTo(command);
        _selection.AddTo(command);
        command.SetAction((parse, cancel) =>
        {
            var (refCheckpoint, refScores, refData) = (parse.GetValue(_selection.Ref), parse.GetValue(_selection.RefScores), parse.GetValue(_selection.RefData));
            var summary = new Trainer(Options(parse), setup => SelectiveObjective.For(setup, refCheckpoint, refScores, refData)).Run(cancel);
            parse.InvocationConfiguration.Output.WriteLine($"final checkpoint: {summary.FinalCheckpoint}");
            return Task.FromResult(ExitCodes.Success);
        });
        return command;
    }

    /// <summary>
    /// The run's options; the selection flags are folded into the config as selection.* overrides. Selection flags at a
    /// ratio that selects nothing, and a run without a ratio, are refused (SelectionRequest).
    /// </summary>
    public TrainOptions Options(ParseResult parse)
    {
        var options = _args.Build(parse, _selection.Overrides(parse)) with { AllowEvalOverlap = parse.GetValue(_selection.AllowEvalOverlap) };
        bool ratioGiven = parse.GetValue(_selection.Ratio) is not null || options.SetKeys.Contains("selection.ratio");
        SelectionRequest.Require(options.Config.Selection, _selection.Given(parse, options.SetKeys), ratioGiven);
        return options;
    }
}
