// `rho1 bench-step`: step time of plain training against SLM (offline, online), alternating step by step in
// one run, for scripts/bench.sh; the honest measure of selection's overhead on a noisy machine.
using System.CommandLine;
using System.Text.Json;
using Rho1.Benchmarks;

namespace Rho1.Cli.Commands;

public sealed class BenchStepCommand
{
    readonly TrainingArguments _args = new();
    readonly SelectionArguments _selection = new();
    readonly Option<double> _ratio = new("--ratio") { Description = "Selection ratio of the SLM modes.", DefaultValueFactory = _ => 0.6 };
    readonly Option<int> _repeats = new("--repeats") { Description = "Runs per SLM mode.", DefaultValueFactory = _ => 3 };
    readonly Option<bool> _json = new("--json") { Description = "Print JSON: {runs, overheads}." };

    public Command Create()
    {
        var command = new Command("bench-step",
            "Time SLM steps (offline scores and/or online reference) against plain steps: each run alternates the two step by " +
            "step, so both see the same machine; prints median step times and the ratio to plain (median and range over runs). " +
            "Uses train.steps (at least 20; a fifth is warm-up), no evaluation, no step checkpoints.\n\n" +
            "Examples:\n  rho1 bench-step --config tiny --data data/noisy --ref-scores runs/scores --ref runs/ref --out /tmp/bench-step\n" +
            "  rho1 bench-step --config small --data data/noisy --ref-scores runs/scores --out /tmp/bs --set train.steps=30 --json");
        _args.AddCoreTo(command);
        _args.Out.Description = "Directory for the benchmark's runs (replaced).";
        _selection.AddReferencesTo(command);
        _selection.RefScores.Description = "Score directory: times the offline SLM mode.";
        _selection.Ref.Description = "Reference checkpoint: times the online SLM mode.";
        command.Options.Add(_ratio);
        command.Options.Add(_repeats);
        command.Options.Add(_json);
        command.SetAction(parse => Run(Options(parse), parse.GetValue(_json), parse.InvocationConfiguration.Output));
        return command;
    }

    public StepBenchmarkOptions Options(ParseResult parse)
    {
        double k = parse.GetValue(_ratio);
        if (!(k > 0 && k < 1)) throw new UserErrorException($"--ratio {k}: must be in (0, 1); 1 is the plain baseline itself");
        return new StepBenchmarkOptions(_args.LoadConfig(parse), parse.GetValue(_args.Data)!, parse.GetValue(_args.Out)!, parse.GetValue(_selection.RefScores),
            parse.GetValue(_selection.Ref), parse.GetValue(_repeats), k, parse.GetValue(_args.Device)!);
    }

    static int Run(StepBenchmarkOptions options, bool json, TextWriter o)
    {
        var runs = StepBenchmark.Run(options, run => Serilog.Log.Information("bench-step: {Run}", run));
        var overheads = StepBenchmark.Overheads(runs);
        if (json)
            o.WriteLine(JsonSerializer.Serialize(new { runs, overheads }));
        else
            foreach (var r in overheads)
                o.WriteLine($"{r.Mode,-8} median step {r.MedianMs,9:F2} ms, plain {r.PlainMedianMs,9:F2} ms, ratio {r.Ratio:F3} (range {r.RatioMin:F3}–{r.RatioMax:F3})");
        return ExitCodes.Success;
    }
}
