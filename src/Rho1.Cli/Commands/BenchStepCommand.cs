// `rho1 bench-step`: step time of plain training against SLM (offline, online), alternating step by step in
// one run, for scripts/bench.sh; the honest measure of selection's overhead on a noisy machine.
using System.CommandLine;
using System.Text.Json;
using Rho1.Benchmarks;
using Rho1.Training.Configuration;

namespace Rho1.Cli.Commands;

public static class BenchStepCommand
{
    public static Command Create()
    {
        var config = new Option<string>("--config", "-c") { Description = "Config file or preset name.", Required = true };
        var data = new Option<string>("--data", "-d") { Description = "Prepared dataset to train on.", Required = true };
        var work = new Option<string>("--out", "-o") { Description = "Directory for the benchmark's runs (replaced).", Required = true };
        var scores = new Option<string?>("--ref-scores") { Description = "Score directory: times the offline SLM mode." };
        var reference = new Option<string?>("--ref") { Description = "Reference checkpoint: times the online SLM mode." };
        var ratio = new Option<double>("--ratio") { Description = "Selection ratio of the SLM modes.", DefaultValueFactory = _ => 0.6 };
        var repeats = new Option<int>("--repeats") { Description = "Runs per SLM mode.", DefaultValueFactory = _ => 3 };
        var set = new Option<string[]>("--set") { Description = "Override a config key: section.key=value (repeatable).", AllowMultipleArgumentsPerToken = false };
        var json = new Option<bool>("--json") { Description = "Print JSON: {runs, overheads}." };
        var device = GlobalOptions.Device();
        var command = new Command("bench-step",
            "Time SLM steps (offline scores and/or online reference) against plain steps: each run alternates the two step by " +
            "step, so both see the same machine; prints median step times and the ratio to plain (median and range over runs). " +
            "Uses train.steps (at least 20; a fifth is warm-up), no evaluation, no step checkpoints.\n\n" +
            "Examples:\n  rho1 bench-step --config tiny --data data/noisy --ref-scores runs/scores --ref runs/ref --out /tmp/bench-step\n" +
            "  rho1 bench-step --config small --data data/noisy --ref-scores runs/scores --out /tmp/bs --set train.steps=30 --json")
        {
            config, data, work, scores, reference, ratio, repeats, set, json, device,
        };
        command.SetAction(parse =>
        {
            double k = parse.GetValue(ratio);
            if (!(k > 0 && k < 1)) throw new UserErrorException($"--ratio {k}: must be in (0, 1); 1 is the plain baseline itself");
            var loaded = ConfigLoader.Load(Presets.Resolve(parse.GetValue(config)!), parse.GetValue(set) ?? []);
            var options = new StepBenchmarkOptions(loaded, parse.GetValue(data)!, parse.GetValue(work)!, parse.GetValue(scores), parse.GetValue(reference),
                parse.GetValue(repeats), k, parse.GetValue(device)!);
            var runs = StepBenchmark.Run(options, run => Serilog.Log.Information("bench-step: {Run}", run));
            var overheads = StepBenchmark.Overheads(runs);
            var o = parse.InvocationConfiguration.Output;
            if (parse.GetValue(json))
                o.WriteLine(JsonSerializer.Serialize(new { runs, overheads }));
            else
                foreach (var r in overheads)
                    o.WriteLine($"{r.Mode,-8} median step {r.MedianMs,9:F2} ms, plain {r.PlainMedianMs,9:F2} ms, ratio {r.Ratio:F3} (range {r.RatioMin:F3}–{r.RatioMax:F3})");
            return ExitCodes.Success;
        });
        return command;
    }
}
