// `rho1 train`: selective language modelling (Rho-1) on the shared training engine. The reference comes
// online from a checkpoint (--ref) or offline from `rho1 score` output (--ref-scores).
using System.CommandLine;
using Rho1.Training;

namespace Rho1.Cli.Commands;

public static class TrainCommand
{
    public static Command Create()
    {
        var args = new TrainingArguments();
        var sel = new SelectionArguments();
        var command = new Command("train",
            "Train with selective language modelling: backpropagate only the top-k% tokens by excess loss.\n\n" +
            "Examples:\n  rho1 train --config tiny --data data/noisy --ref-scores runs/scores --ratio 0.6 --out runs/slm60\n" +
            "  rho1 train --config tiny --data data/noisy --ref runs/ref --ratio 0.6 --select sequence --out runs/slm60-seq\n" +
            "  rho1 train --config tiny --data data/noisy --ratio 0.6 --score random --out runs/random60");
        args.AddTo(command);
        sel.AddTo(command);
        command.SetAction((parse, cancel) =>
        {
            var options = args.Build(parse, sel.Overrides(parse));
            var summary = new Trainer(options, setup => sel.CreateObjective(parse, setup)).Run(cancel);
            parse.InvocationConfiguration.Output.WriteLine($"final checkpoint: {summary.FinalCheckpoint}");
            return Task.FromResult(ExitCodes.Success);
        });
        return command;
    }
}
