// `rho1 sweep`: the selection-ratio ablation with one command.
using System.CommandLine;
using System.Globalization;
using Rho1.Experiments;
using Rho1.Training.Configuration;

namespace Rho1.Cli.Commands;

public static class SweepCommand
{
    public static Command Create()
    {
        var args = new TrainingArguments();
        var sel = new SelectionArguments();
        var ratios = new Option<string>("--ratios") { Description = "Comma-separated ratios; include 1.0 for the plain baseline.", DefaultValueFactory = _ => "0.4,0.5,0.6,0.7,0.8,1.0" };
        var command = new Command("sweep",
            "Train one run per selection ratio (same seed and data order), evaluate each on clean held-out data, and write\n" +
            "summary.csv, summary.md and loss-vs-tokens.png. Rerunning the same command reuses finished runs and resumes the rest.\n\n" +
            "Examples:\n  rho1 sweep --config tiny --data data/noisy --ref-scores runs/scores --eval-data data/heldout --out runs/sweep\n" +
            "  rho1 sweep --ratios 0.6,1.0 --score loss --config small --data data/noisy --eval-data data/heldout --out runs/sweep-loss");
        args.AddTo(command);
        sel.AddTo(command, withRatio: false);
        command.Options.Add(ratios);
        args.EvalData.Required = true;
        command.SetAction((parse, cancel) =>
        {
            var list = ParseRatios(parse.GetValue(ratios)!);
            var config = ConfigLoader.Load(Presets.Resolve(parse.GetValue(args.Config)!), (parse.GetValue(args.Set) ?? Array.Empty<string>()).Concat(sel.Overrides(parse)));
            var rows = Sweep.Run(new SweepOptions(list, config, parse.GetValue(args.Data)!, parse.GetValue(args.EvalData)!, parse.GetValue(args.Out)!,
                parse.GetValue(sel.Ref), parse.GetValue(sel.RefScores), parse.GetValue(args.Device)!), cancel);
            var o = parse.InvocationConfiguration.Output;
            o.Write(File.ReadAllText(Path.Combine(parse.GetValue(args.Out)!, "summary.md")));
            o.WriteLine($"plot: {Path.Combine(parse.GetValue(args.Out)!, "loss-vs-tokens.png")}");
            return Task.FromResult(rows.Count > 0 ? ExitCodes.Success : ExitCodes.Failure);
        });
        return command;
    }

    static List<double> ParseRatios(string text)
    {
        var list = new List<double>();
        foreach (string part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!double.TryParse(part, NumberStyles.Float, CultureInfo.InvariantCulture, out double r))
                throw new UserErrorException($"--ratios: '{part}' is not a number");
            list.Add(r);
        }
        return list;
    }
}
