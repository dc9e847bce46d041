// `rho1 sweep`: the selection-ratio ablation with one command.
using System.CommandLine;
using System.Globalization;
using Rho1.Experiments;

namespace Rho1.Cli.Commands;

public sealed class SweepCommand
{
    readonly TrainingArguments _args = new();
    readonly SelectionArguments _selection = new();
    readonly Option<string> _ratios = new("--ratios") { Description = "Comma-separated ratios; include 1.0 for the plain baseline.", DefaultValueFactory = _ => "0.4,0.5,0.6,0.7,0.8,1.0" };

    readonly Option<string> _finalEvalBatches = new("--final-eval-batches")
    {
        Description = "Batches of each run's final held-out evaluation, or all (the whole --eval-data); the per-step curve uses train.eval_batches.",
        DefaultValueFactory = _ => "all",
    };

    public Command Create()
    {
        var command = new Command("sweep",
            "Train one run per selection ratio (same seed and data order), evaluate each on clean held-out data, and write\n" +
            "summary.csv, summary.md and loss-vs-tokens.png. Rerunning the same command reuses finished runs and resumes the rest;\n" +
            "a run an earlier sweep trained with other settings is refused (--force retrains it).\n\n" +
            "Examples:\n  rho1 sweep --config tiny --data data/noisy --ref-scores runs/scores --eval-data data/heldout --out runs/sweep\n" +
            "  rho1 sweep --ratios 0.6,1.0 --score loss --config small --data data/noisy --eval-data data/heldout --out runs/sweep-loss");
        _args.AddCoreTo(command); // no --resume: a sweep always reuses finished runs and resumes the rest
        command.Options.Add(_args.EvalData);
        command.Options.Add(_args.Force);
        command.Options.Add(_args.Init);
        _args.Force.Description = "Retrain runs in --out that an earlier sweep trained with other settings (without it they are refused).";
        _selection.AddTo(command, withRatio: false);
        command.Options.Add(_ratios);
        foreach (var option in new Option[] { _args.EvalBatches, _args.EvalTask, _args.EvalTaskLimit, _args.EvalFewShot, _finalEvalBatches })
            command.Options.Add(option);
        _args.EvalData.Required = true;
        command.SetAction((parse, cancel) => Task.FromResult(Run(Options(parse), parse.InvocationConfiguration.Output, cancel)));
        return command;
    }

    public SweepOptions Options(ParseResult parse)
    {
        var evalTasks = _args.TaskOptions(parse);
        return new(ParseRatios(parse.GetValue(_ratios)!), _args.LoadConfig(parse, _selection.Overrides(parse)), parse.GetValue(_args.Data)!,
            parse.GetValue(_args.EvalData)!, parse.GetValue(_args.Out)!, parse.GetValue(_selection.Ref), parse.GetValue(_selection.RefScores), parse.GetValue(_args.Device)!)
        {
            Force = parse.GetValue(_args.Force),
            Init = parse.GetValue(_args.Init),
            RefData = parse.GetValue(_selection.RefData),
            AllowEvalOverlap = parse.GetValue(_selection.AllowEvalOverlap),
            SetKeys = _args.SetKeys(parse),
            FinalEvalBatches = parse.GetValue(_finalEvalBatches) is "all" ? 0
                : int.TryParse(parse.GetValue(_finalEvalBatches), out int b) && b > 0 ? b
                : throw new UserErrorException($"--final-eval-batches {parse.GetValue(_finalEvalBatches)}: give a positive number of batches or all"),
            EvalTasks = evalTasks.Tasks,
            EvalTaskLimit = evalTasks.Limit,
            EvalTaskSettings = evalTasks.Settings,
        };
    }

    static int Run(SweepOptions options, TextWriter o, CancellationToken cancel)
    {
        var rows = Sweep.Run(options, cancel);
        o.Write(File.ReadAllText(Path.Combine(options.OutDir, "summary.md")));
        o.WriteLine($"plot: {Path.Combine(options.OutDir, "loss-vs-tokens.png")}");
        foreach (var task in options.EvalTasks)
            o.WriteLine($"plot: {Path.Combine(options.OutDir, Rho1.Evaluation.Tasks.TaskFile.NameOf(task) + "-vs-tokens.png")}");
        return rows.Count > 0 ? ExitCodes.Success : ExitCodes.Failure;
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
