// `rho1 train-ref`: plain next-token training (every token counts), for the reference model or a baseline.
using System.CommandLine;
using Rho1.Training;
using Rho1.Training.Configuration;
using Rho1.Training.Objectives;
using Rho1.Training.Runs;

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

    /// <summary>train-ref trains every token: a selection.* setting other than the defaults would be recorded but not used, so it is refused.</summary>
    public TrainOptions Options(ParseResult parse)
    {
        var options = _args.Build(parse);
        var unused = ResumeCheck.Diff(options.Config with { Selection = new SelectionConfig() }, options.Config)
            .FirstOrDefault(c => c.Key.StartsWith("selection.", StringComparison.Ordinal));
        if (unused.Key is not null)
            throw new UserErrorException($"{unused.Key}={unused.To?.ToJsonString()}: train-ref trains on every token and does not select; use `rho1 train` for selection");
        return options;
    }
}
