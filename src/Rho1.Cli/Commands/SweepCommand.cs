// `rho1 sweep`: the selection-ratio ablation with one command (--ratios), or a grid of ratios × variants × seeds
// from a sweep file (--grid), run whole, one cell per invocation (--cell, for job arrays), listed or collected.
using System.CommandLine;
using System.Globalization;
using Rho1.Experiments;
using Rho1.Experiments.Grid;

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

    readonly Option<string?> _grid = new("--grid")
    {
        Description = "A sweep file (configs/sweeps/, docs/sweeps.md): ratios × selection variants × seeds over a base config, each cell a run in --out. " +
            "A name (tiny-grid) is one of the files shipped in configs/sweeps/.",
    };
    readonly Option<string?> _cell = new("--cell") { Description = "With --grid: run cell I only (0-based, as --list numbers them), or `array` for $SLURM_ARRAY_TASK_ID." };
    readonly Option<bool> _list = new("--list") { Description = "With --grid: print each cell's index, name and state (finished, interrupted at step N, ...), one per line, and stop." };
    readonly Option<bool> _collect = new("--collect") { Description = "With --grid: write the reports from the finished cells, naming the missing ones (exit 3 when any is)." };

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
        foreach (var option in new Option[] { _grid, _cell, _list, _collect })
            command.Options.Add(option);
        _args.Config.Required = false; // a sweep file may name its base config
        foreach (var option in new Option[] { _args.EvalBatches, _args.EvalTask, _args.EvalTaskLimit, _args.EvalFewShot, _args.EvalSequenceStart, _args.EvalLayout, _finalEvalBatches })
            command.Options.Add(option);
        _args.EvalData.Required = true;
        command.SetAction((parse, cancel) => Task.FromResult(parse.GetValue(_grid) is null
            ? Run(Options(parse), parse.InvocationConfiguration.Output, cancel)
            : RunGrid(parse, parse.InvocationConfiguration.Output, cancel)));
        return command;
    }

    public SweepOptions Options(ParseResult parse)
    {
        if (parse.GetValue(_args.Config) is null)
            throw new UserErrorException("--config: give the base config (a preset name or a file)");
        foreach (var option in new Option[] { _cell, _list, _collect })
            if (parse.GetResult(option) is { Implicit: false })
                throw new UserErrorException($"{option.Name} works on a grid: give --grid FILE too");
        return Options(parse, ParseRatios(parse.GetValue(_ratios)!), _args.LoadConfig(parse, _selection.Overrides(parse))) with
        {
            World = Job.Current.WorldFor(parse.GetValue(_args.Device)!), LocalRank = Job.Current.Launch.LocalRank, LocalSize = Job.Current.Launch.LocalSize,
        };
    }

    SweepOptions Options(ParseResult parse, IReadOnlyList<double> ratios, Rho1.Training.Configuration.RunConfig config)
    {
        var evalTasks = _args.TaskOptions(parse);
        return new(ratios, config, parse.GetValue(_args.Data)!,
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

    /// <summary>The grid and its cells as this command line asks (the file's base config, or --config; --set and the selection flags on top).</summary>
    public (SweepOptions Options, IReadOnlyList<GridCell> Cells) GridOptions(ParseResult parse)
    {
        if (parse.GetResult(_ratios) is { Implicit: false })
            throw new UserErrorException("--ratios and --grid: the sweep file lists the ratios; give one of them");
        string gridPath = GridFiles.Resolve(parse.GetValue(_grid)!);
        var grid = SweepGrid.Load(gridPath);
        string? cliConfig = parse.GetValue(_args.Config);
        if (grid.Config != null && cliConfig != null)
            throw new UserErrorException($"--config {cliConfig}: {gridPath} names its base config ({grid.Config}); give one of them");
        string basePath = grid.Config != null ? GridFiles.BaseConfig(gridPath, grid.Config)
            : Presets.Resolve(cliConfig ?? throw new UserErrorException($"{gridPath} names no base config (\"config\"): give --config"));
        var overrides = (parse.GetValue(_args.Set) ?? []).Concat(_selection.Overrides(parse)).ToList();
        var cells = grid.Cells(basePath, overrides);
        return (Options(parse, grid.Ratios, cells[0].Config), cells);
    }

    int RunGrid(ParseResult parse, TextWriter o, CancellationToken cancel)
    {
        var (options, cells) = GridOptions(parse);
        bool list = parse.GetValue(_list), collect = parse.GetValue(_collect);
        string? cell = parse.GetValue(_cell);
        if ((list ? 1 : 0) + (collect ? 1 : 0) + (cell is null ? 0 : 1) > 1)
            throw new UserErrorException("--list, --collect and --cell: give one of them");
        if ((list || collect) && Job.Current.Launch.Size > 1)
            throw new UserErrorException($"--{(list ? "list" : "collect")} runs in one process: run it without {Job.Current.Launch.Launcher}");
        if (list)
        {
            foreach (var (c, state) in GridSweep.States(options, cells))
                o.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{c.Index}\t{c.Name}\t{state}"));
            return ExitCodes.Success;
        }
        options = options with { World = Job.Current.WorldFor(options.Device), LocalRank = Job.Current.Launch.LocalRank, LocalSize = Job.Current.Launch.LocalSize };
        GridSummary summary;
        if (cell is not null)
        {
            int index = GridFiles.CellIndex(cell, Environment.GetEnvironmentVariable);
            var result = GridSweep.RunCell(options, cells, index, cancel);
            if (options.World.Rank == 0) o.WriteLine(string.Create(CultureInfo.InvariantCulture, $"cell {index} {result.Cell}: held-out loss {result.FinalLoss:F4}, {result.FinalBpb:F4} bits/byte"));
            return ExitCodes.Success;
        }
        summary = collect ? GridCollect.Collect(options, cells) : GridSweep.Run(options, cells, cancel);
        if (options.World.Rank != 0) return ExitCodes.Success; // rank 0 wrote and prints the reports
        o.Write(File.ReadAllText(Path.Combine(options.OutDir, "summary.md")));
        o.WriteLine($"reports: {Path.Combine(options.OutDir, "summary.csv")}, cells.csv, loss-vs-ratio.png, loss-vs-tokens.png");
        return summary.Missing.Count == 0 ? ExitCodes.Success : ExitCodes.Incomplete;
    }

    static int Run(SweepOptions options, TextWriter o, CancellationToken cancel)
    {
        var rows = Sweep.Run(options, cancel);
        if (options.World.Rank != 0) return ExitCodes.Success; // rank 0 wrote and prints the reports
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
