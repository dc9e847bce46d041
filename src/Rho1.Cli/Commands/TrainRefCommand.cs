// `rho1 train-ref`: plain next-token training (every token counts), for the reference model or a baseline.
using System.CommandLine;
using Rho1.Training;
using Rho1.Training.Configuration;
using Rho1.Training.Objectives;

namespace Rho1.Cli.Commands;

public sealed class TrainRefCommand
{
    readonly TrainingArguments _args = new();

    public Command Create()
    {
        var command = new Command("train-ref",
            "Train a model with plain causal language modelling (all tokens), e.g. the reference model on clean data.\n\n" +
            "Examples:\n  rho1 train-ref --config tiny --data data/clean --out runs/ref\n" +
            "  rho1 train-ref --config small --data data/clean --out runs/ref --set train.steps=2000 --set train.lr=6e-4\n" +
            "  rho1 train-ref --config small --data data/clean --out runs/ref --resume auto");
        _args.AddTo(command);
        command.SetAction((parse, cancel) =>
        {
            var summary = new Trainer(Options(parse), _ => new ClmObjective()).Run(cancel);
            parse.InvocationConfiguration.Output.WriteLine($"final checkpoint: {summary.FinalCheckpoint}");
            return Task.FromResult(ExitCodes.Success);
        });
        return command;
    }

    /// <summary>
    /// train-ref trains every token: a --set selection.* would be recorded but never used, so it is refused; a config file's
    /// selection section (a preset shared with `train`) is left out of the run's config, which records only what was used.
    /// </summary>
    public TrainOptions Options(ParseResult parse)
    {
        if ((parse.GetValue(_args.Set) ?? []).FirstOrDefault(s => s.StartsWith("selection.", StringComparison.Ordinal)) is { } unused)
            throw new UserErrorException($"{unused}: train-ref trains on every token and does not select; use `rho1 train` for selection");
        var options = _args.Build(parse);
        return options with { Config = options.Config with { Selection = new SelectionConfig() } };
    }
}
