// `rho1 quickstart`: the README's first command. No network, no arguments; prints a comparison table.
using System.CommandLine;
using Rho1.Experiments;

namespace Rho1.Cli.Commands;

public static class QuickstartCommand
{
    public static Command Create()
    {
        var output = new Option<string>("--out", "-o") { Description = "Where to put corpora, datasets and runs.", DefaultValueFactory = _ => "runs/quickstart" };
        var config = new Option<string>("--config", "-c") { Description = "Preset or config file for all four models.", DefaultValueFactory = _ => "tiny" };
        var set = new Option<string[]>("--set") { Description = "Override a config key: section.key=value (repeatable)." };
        var seed = new Option<long>("--seed") { Description = "Seed of corpora, weights and data order.", DefaultValueFactory = _ => 1234 };
        var noise = new Option<double>("--noise-share") { Description = "Share of the noisy corpus's characters that are noise.", DefaultValueFactory = _ => 0.35 };
        var device = GlobalOptions.Device();
        var command = new Command("quickstart",
            "Show selective language modelling working, end to end, on generated data (no network; under a minute on 2 idle cores):\n" +
            "train a reference on clean text, score a noisy corpus, train SLM at 60% and a plain baseline, compare on clean held-out text.\n\n" +
            "Examples:\n  rho1 quickstart\n  rho1 quickstart --out /tmp/qs --set train.steps=400")
        {
            output, config, set, seed, noise, device,
        };
        command.SetAction((parse, cancel) =>
        {
            var r = Quickstart.Run(parse.GetValue(output)!, Presets.Resolve(parse.GetValue(config)!), parse.GetValue(set) ?? Array.Empty<string>(),
                parse.GetValue(device)!, parse.GetValue(seed), parse.GetValue(noise), cancel);
            var o = parse.InvocationConfiguration.Output;
            o.WriteLine();
            o.WriteLine($"Clean held-out text after {r.Steps} steps on the noisy corpus (lower is better):");
            o.WriteLine();
            o.WriteLine("| run | held-out loss | bits/byte | first step at baseline's final loss | tokens/s |");
            o.WriteLine("|---|---|---|---|---|");
            foreach (var row in r.Rows)
                o.WriteLine($"| {row.Run} | {row.HeldoutLoss:F4} | {row.HeldoutBpb:F4} | {(row.StepsToBaseline is { } s ? s.ToString() : "not reached")} | {row.TokensPerSecond:N0} |");
            o.WriteLine();
            o.WriteLine($"Files: {Path.GetFullPath(r.OutDir)} (runs/*/metrics.jsonl, summary.json); took {r.WallSeconds:F0}s.");
            return Task.FromResult(ExitCodes.Success);
        });
        return command;
    }
}
